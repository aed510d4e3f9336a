using Verify = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.SynchronousApiInAsyncContextAnalyzer, TailGuard.CodeFixes.SynchronousApiFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class SynchronousApiFixerTests
{
    [Fact]
    public async Task Statement_call_becomes_an_awaited_twin_with_the_token()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Proxy
            {
                public async Task FlushAsync(Stream to, CancellationToken ct)
                {
                    await Task.Yield();
                    {|TG1003:to.Flush()|}; // drain
                }
            }
            """, """
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Proxy
            {
                public async Task FlushAsync(Stream to, CancellationToken ct)
                {
                    await Task.Yield();
                    await to.FlushAsync(ct); // drain
                }
            }
            """);
    }

    [Fact]
    public async Task Initializer_keeps_its_shape()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Proxy
            {
                public async Task<int> PumpAsync(Stream s, byte[] buf, int count, CancellationToken ct)
                {
                    await Task.Yield();
                    var n = {|TG1003:s.Read(buf, 0, count)|};
                    return n;
                }
            }
            """, """
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Proxy
            {
                public async Task<int> PumpAsync(Stream s, byte[] buf, int count, CancellationToken ct)
                {
                    await Task.Yield();
                    var n = await s.ReadAsync(buf, 0, count, ct);
                    return n;
                }
            }
            """);
    }

    [Fact]
    public async Task Member_access_on_the_result_gets_parentheses()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Loader
            {
                public async Task<string> LoadAsync(TextReader reader, CancellationToken ct)
                {
                    await Task.Yield();
                    return {|TG1003:reader.ReadToEnd()|}.Trim() + "!";
                }
            }
            """, """
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Loader
            {
                public async Task<string> LoadAsync(TextReader reader, CancellationToken ct)
                {
                    await Task.Yield();
                    return (await reader.ReadToEndAsync(ct)).Trim() + "!";
                }
            }
            """);
    }

    [Fact]
    public async Task Static_call_without_a_token_in_scope()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Loader
            {
                public async Task<int> LoadAsync(string path)
                {
                    await Task.Yield();
                    return {|TG1003:File.ReadAllText(path)|}.Length;
                }
            }
            """, """
            using System.IO;
            using System.Threading.Tasks;
            class Loader
            {
                public async Task<int> LoadAsync(string path)
                {
                    await Task.Yield();
                    return (await File.ReadAllTextAsync(path)).Length;
                }
            }
            """);
    }

    [Fact]
    public async Task Omitted_optional_parameters_get_a_named_token()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.IO;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            record Order(int Id);
            class Api
            {
                public async Task<Order?> EchoAsync(Stream body, Stream response, Order order, CancellationToken ct)
                {
                    await Task.Yield();
                    {|TG1003:JsonSerializer.Serialize(response, order)|};
                    return {|TG1003:JsonSerializer.Deserialize<Order>(body)|};
                }
            }
            """, """
            using System.IO;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            record Order(int Id);
            class Api
            {
                public async Task<Order?> EchoAsync(Stream body, Stream response, Order order, CancellationToken ct)
                {
                    await Task.Yield();
                    await JsonSerializer.SerializeAsync(response, order, cancellationToken: ct);
                    return await JsonSerializer.DeserializeAsync<Order>(body, cancellationToken: ct);
                }
            }
            """);
    }

    [Fact]
    public async Task Semaphore_wait_that_already_takes_the_token_is_not_given_it_twice()
    {
        await Verify.VerifyFixAllAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Throttle
            {
                private readonly SemaphoreSlim _gate = new(1);
                public async Task RunAsync(CancellationToken ct)
                {
                    {|TG1003:_gate.Wait()|};
                    {|TG1003:_gate.Wait(ct)|};
                    await Task.Yield();
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Throttle
            {
                private readonly SemaphoreSlim _gate = new(1);
                public async Task RunAsync(CancellationToken ct)
                {
                    await _gate.WaitAsync(ct);
                    await _gate.WaitAsync(ct);
                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task Using_declaration_of_a_reader()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Data.Common;
            using System.Threading;
            using System.Threading.Tasks;
            class Repository
            {
                public async Task<bool> AnyAsync(DbCommand command, CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    using var reader = {|TG1003:command.ExecuteReader()|};
                    return reader.HasRows;
                }
            }
            """, """
            using System.Data.Common;
            using System.Threading;
            using System.Threading.Tasks;
            class Repository
            {
                public async Task<bool> AnyAsync(DbCommand command, CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    return reader.HasRows;
                }
            }
            """);
    }

    [Fact]
    public async Task Implicit_this_and_extension_calls_are_renamed()
    {
        await Verify.VerifyFixAllAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Host { }
            static class HostExtensions
            {
                public static void Run(this Host host) { }
                public static Task RunAsync(this Host host, CancellationToken ct = default) => Task.CompletedTask;
            }
            class Worker
            {
                private void Save() { }
                private Task SaveAsync() => Task.CompletedTask;

                public async Task ProcessAsync(Host host, CancellationToken ct)
                {
                    await Task.Yield();
                    {|TG1003:Save()|};
                    {|TG1003:host.Run()|};
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Host { }
            static class HostExtensions
            {
                public static void Run(this Host host) { }
                public static Task RunAsync(this Host host, CancellationToken ct = default) => Task.CompletedTask;
            }
            class Worker
            {
                private void Save() { }
                private Task SaveAsync() => Task.CompletedTask;

                public async Task ProcessAsync(Host host, CancellationToken ct)
                {
                    await Task.Yield();
                    await SaveAsync();
                    await host.RunAsync(ct);
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_handles_nested_calls()
    {
        await Verify.VerifyFixAllAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Copier
            {
                public async Task CopyAsync(TextReader reader, TextWriter writer)
                {
                    await Task.Yield();
                    {|TG1003:writer.Write({|TG1003:reader.ReadToEnd()|})|};
                    {|TG1003:writer.Flush()|};
                }
            }
            """, """
            using System.IO;
            using System.Threading.Tasks;
            class Copier
            {
                public async Task CopyAsync(TextReader reader, TextWriter writer)
                {
                    await Task.Yield();
                    await writer.WriteAsync(await reader.ReadToEndAsync());
                    await writer.FlushAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_across_methods_uses_each_methods_own_token()
    {
        await Verify.VerifyFixAllAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Proxy
            {
                public async Task AAsync(Stream s, CancellationToken token)
                {
                    await Task.Yield();
                    {|TG1003:s.Flush()|};
                }

                public async Task BAsync(Stream s)
                {
                    await Task.Yield();
                    {|TG1003:s.Flush()|};
                }
            }
            """, """
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Proxy
            {
                public async Task AAsync(Stream s, CancellationToken token)
                {
                    await Task.Yield();
                    await s.FlushAsync(token);
                }

                public async Task BAsync(Stream s)
                {
                    await Task.Yield();
                    await s.FlushAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task Casts_patterns_and_postfix_operators_keep_their_meaning()
    {
        await Verify.VerifyFixAllAsync("""
            using System.Data.Common;
            using System.Threading.Tasks;
            class Repository
            {
                public async Task<int> CountAsync(DbCommand command, DbDataReader reader)
                {
                    await Task.Yield();
                    var total = (int){|TG1003:command.ExecuteScalar()|}!;
                    var text = {|TG1003:command.ExecuteScalar()|}!.ToString();
                    return {|TG1003:reader.Read()|} is true ? total + text!.Length : 0;
                }
            }
            """, """
            using System.Data.Common;
            using System.Threading.Tasks;
            class Repository
            {
                public async Task<int> CountAsync(DbCommand command, DbDataReader reader)
                {
                    await Task.Yield();
                    var total = (int)(await command.ExecuteScalarAsync())!;
                    var text = (await command.ExecuteScalarAsync())!.ToString();
                    return await reader.ReadAsync() is true ? total + text!.Length : 0;
                }
            }
            """);
    }

    [Fact]
    public async Task No_fix_inside_a_lock()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Journal
            {
                private readonly object _gate = new();
                public async Task AppendAsync(Stream log)
                {
                    await Task.Yield();
                    lock (_gate)
                    {
                        {|TG1003:log.Flush()|};
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task No_fix_after_monitor_enter_in_the_same_method()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Journal
            {
                private readonly object _gate = new();
                public async Task AppendAsync(Stream log)
                {
                    await Task.Yield();
                    Monitor.Enter(_gate);
                    try { {|TG1003:log.Flush()|}; }
                    finally { Monitor.Exit(_gate); }
                }
            }
            """);
    }

    [Fact]
    public async Task No_fix_for_primitives_span_overloads_or_conditional_access()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System;
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Coordinator
            {
                public async Task RunAsync(ManualResetEventSlim ready, Stream? s, byte[] buffer)
                {
                    await Task.Yield();
                    {|TG1003:ready.Wait()|};
                    s?{|TG1003:.Flush()|};
                    {|TG1003:s!.Read(buffer.AsSpan())|};
                }
            }
            """);
    }
}
