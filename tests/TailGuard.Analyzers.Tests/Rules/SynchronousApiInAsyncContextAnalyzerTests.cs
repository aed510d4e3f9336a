using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.SynchronousApiInAsyncContextAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class SynchronousApiInAsyncContextAnalyzerTests
{
    [Fact]
    public async Task Stream_read_write_and_flush_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Proxy
            {
                public async Task CopyAsync(Stream from, Stream to)
                {
                    var buffer = new byte[4096];
                    var n = {|TG1003:from.Read(buffer, 0, buffer.Length)|};
                    {|TG1003:to.Write(buffer, 0, n)|};
                    {|TG1003:to.Flush()|};
                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task Message_names_the_call_and_its_async_twin()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Proxy
            {
                public async Task<int> ReadAsync(Stream from, byte[] buffer)
                {
                    await Task.Yield();
                    return {|#0:from.Read(buffer, 0, buffer.Length)|};
                }
            }
            """,
            Verify.Diagnostic("TG1003").WithLocation(0).WithArguments("Stream.Read", "await 'ReadAsync' instead"));
    }

    [Fact]
    public async Task Reader_and_file_apis_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Loader
            {
                public async Task<string> LoadAsync(string path, TextReader reader)
                {
                    await Task.Yield();
                    var text = {|TG1003:File.ReadAllText(path)|};
                    {|TG1003:File.WriteAllBytes(path, new byte[1])|};
                    using var file = new StreamReader(path);
                    return text + {|TG1003:file.ReadToEnd()|} + {|TG1003:reader.ReadLine()|};
                }
            }
            """);
    }

    [Fact]
    public async Task SemaphoreSlim_wait_is_reported_with_WaitAsync_as_the_twin()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Throttle
            {
                private readonly SemaphoreSlim _gate = new(4);
                public async Task RunAsync(CancellationToken ct)
                {
                    {|#0:_gate.Wait()|};
                    {|TG1003:_gate.Wait(100)|};
                    {|TG1003:_gate.Wait(ct)|};
                    await Task.Yield();
                    _gate.Release();
                }
            }
            """,
            Verify.Diagnostic("TG1003").WithLocation(0).WithArguments("SemaphoreSlim.Wait", "await 'WaitAsync' instead"));
    }

    [Fact]
    public async Task Db_command_execution_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Data.Common;
            using System.Threading.Tasks;
            class Repository
            {
                public async Task<int> CountAsync(DbConnection connection)
                {
                    await Task.Yield();
                    {|TG1003:connection.Open()|};
                    using var command = connection.CreateCommand();
                    using var reader = {|TG1003:command.ExecuteReader()|};
                    var n = 0;
                    while ({|TG1003:reader.Read()|}) n++;
                    return n + (int)({|TG1003:command.ExecuteScalar()|} ?? 0);
                }
            }
            """);
    }

    [Fact]
    public async Task Column_reads_of_a_data_reader_are_not_reported_but_row_reads_are()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Data.Common;
            using System.Threading.Tasks;
            class Repository
            {
                public async Task<decimal> SumAsync(DbCommand command)
                {
                    await using var reader = await command.ExecuteReaderAsync();
                    var sum = 0m;
                    while (await reader.ReadAsync())
                    {
                        sum += reader.IsDBNull(0) ? 0 : reader.GetFieldValue<decimal>(0);
                    }

                    return {|TG1003:reader.NextResult()|} ? -1 : sum;
                }
            }
            """);
    }

    [Fact]
    public async Task Column_reads_of_a_type_that_is_not_a_data_reader_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Row
            {
                public bool IsDBNull(int ordinal) => false;
                public Task<bool> IsDBNullAsync(int ordinal, CancellationToken ct = default) => Task.FromResult(false);
                public T GetFieldValue<T>(int ordinal) => default!;
                public Task<T> GetFieldValueAsync<T>(int ordinal, CancellationToken ct = default) => Task.FromResult(default(T)!);
            }

            class Repository
            {
                public async Task<int> GetAsync(Row row)
                {
                    await Task.Yield();
                    return {|TG1003:row.IsDBNull(0)|} ? 0 : {|TG1003:row.GetFieldValue<int>(0)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Console_writers_whose_async_twins_run_synchronously_are_not_reported_but_other_writers_are()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            class Log
            {
                public async Task WriteAsync(TextWriter file, string line)
                {
                    await Task.Yield();
                    Console.Out.WriteLine(line);
                    Console.Error.Flush();
                    var typed = Console.In.ReadLine();
                    {|TG1003:file.WriteLine(line)|};
                    {|TG1003:file.Flush()|};
                }
            }
            """);
    }

    [Fact]
    public async Task Json_serialization_to_and_from_a_stream_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Text.Json;
            using System.Threading.Tasks;
            record Order(int Id);
            class Api
            {
                public async Task<Order?> EchoAsync(Stream body, Stream response, Order order)
                {
                    await Task.Yield();
                    {|TG1003:JsonSerializer.Serialize(response, order)|};
                    {|TG1003:JsonSerializer.Serialize(response, (object)order, typeof(Order))|};
                    return {|TG1003:JsonSerializer.Deserialize<Order>(body)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Json_serialization_to_a_string_has_no_twin_and_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Text.Json;
            using System.Threading.Tasks;
            record Order(int Id);
            class Api
            {
                public async Task<string> RenderAsync(Order order)
                {
                    await Task.Yield();
                    var json = JsonSerializer.Serialize(order);
                    return JsonSerializer.Deserialize<Order>(json)!.ToString() + json;
                }
            }
            """);
    }

    [Fact]
    public async Task Blocking_wait_primitives_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Coordinator
            {
                public async Task RunAsync(ManualResetEventSlim ready, WaitHandle handle, CountdownEvent countdown, Barrier barrier, Thread worker, object gate)
                {
                    await Task.Yield();
                    {|TG1003:ready.Wait()|};
                    {|TG1003:handle.WaitOne()|};
                    {|TG1003:WaitHandle.WaitAll(new[] { handle })|};
                    {|TG1003:countdown.Wait()|};
                    {|TG1003:barrier.SignalAndWait()|};
                    {|TG1003:worker.Join()|};
                    {|TG1003:Monitor.Wait(gate)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Primitive_message_suggests_an_awaitable_alternative()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Coordinator
            {
                public async Task RunAsync(ManualResetEventSlim ready)
                {
                    await Task.Yield();
                    {|#0:ready.Wait()|};
                }
            }
            """,
            Verify.Diagnostic("TG1003").WithLocation(0)
                .WithArguments("ManualResetEventSlim.Wait", "await the Task of a TaskCompletionSource that the signaller completes instead"));
    }

    [Fact]
    public async Task Calls_in_async_lambdas_and_async_local_functions_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            class Handlers
            {
                public Func<Stream, Task> Flush => async s => { await Task.Yield(); {|TG1003:s.Flush()|}; };

                public Task SaveAsync(string path)
                {
                    return Local();
                    async Task Local() { await Task.Yield(); {|TG1003:File.WriteAllText(path, "x")|}; }
                }
            }
            """);
    }

    [Fact]
    public async Task Synchronous_code_is_not_reported_but_a_task_returning_method_without_async_is()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Loader
            {
                public string Load(string path) => File.ReadAllText(path);
                public Task<string> LoadAsync(string path) => Task.FromResult({|TG1003:File.ReadAllText(path)|});
            }
            """);
    }

    [Fact]
    public async Task Sync_local_function_and_sync_lambda_inside_async_method_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            class Loader
            {
                public async Task<string> LoadAsync(string path)
                {
                    var text = await Task.Run(() => File.ReadAllText(path));
                    Func<string> read = () => File.ReadAllText(path);
                    return text + Read() + read();

                    string Read() => File.ReadAllText(path);
                }
            }
            """);
    }

    [Fact]
    public async Task In_memory_streams_readers_and_writers_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Buffers
            {
                public async Task<string> RenderAsync(MemoryStream ms, byte[] data)
                {
                    await Task.Yield();
                    ms.Write(data, 0, data.Length);
                    ms.Flush();
                    ms.Read(data, 0, data.Length);
                    var sr = new StringReader("a\nb");
                    var sw = new StringWriter();
                    sw.Write(sr.ReadLine());
                    sw.Flush();
                    return sr.ReadToEnd() + sw;
                }
            }
            """);
    }

    [Fact]
    public async Task Readers_and_writers_over_a_visible_memory_stream_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Text;
            using System.Text.Json;
            using System.Threading.Tasks;
            class Buffers
            {
                public async Task<string> RenderAsync(byte[] data, object value)
                {
                    await Task.Yield();
                    using var ms = new MemoryStream();
                    using var writer = new StreamWriter(ms, Encoding.UTF8, 1024, leaveOpen: true);
                    writer.Write("header");
                    writer.Flush();
                    Stream buffer = new MemoryStream(data);
                    buffer.Read(data, 0, data.Length);
                    JsonSerializer.Serialize(ms, value);
                    using var binary = new BinaryReader(new MemoryStream(data));
                    binary.ReadInt32();
                    using var reader = new StreamReader(new MemoryStream(data));
                    return reader.ReadToEnd();
                }
            }
            """);
    }

    [Fact]
    public async Task Reader_over_an_unknown_or_reassigned_stream_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Buffers
            {
                public async Task<string> RenderAsync(Stream body, byte[] data, string path)
                {
                    await Task.Yield();
                    using var reader = new StreamReader(body);
                    Stream source = new MemoryStream(data);
                    source = File.OpenRead(path);
                    {|TG1003:source.Read(data, 0, data.Length)|};
                    using var copy = new MemoryStream();
                    {|TG1003:body.CopyTo(copy)|};
                    return {|TG1003:reader.ReadToEnd()|};
                }
            }
            """);
    }

    [Fact]
    public async Task Unrelated_async_overloads_with_other_parameters_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class User { }
            class Users
            {
                public User Get() => new();
                public Task<User> GetAsync(int id) => Task.FromResult(new User());
                public int Count() => 0;
                public Task<string> CountAsync() => Task.FromResult("");
            }
            class Service
            {
                public async Task<User> LoadAsync(Users users)
                {
                    await Task.Yield();
                    users.Count();
                    return users.Get();
                }
            }
            """);
    }

    [Fact]
    public async Task Twin_with_matching_parameters_on_a_user_type_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class User { }
            class Users
            {
                public User Get(int id) => new();
                public Task<User> GetAsync(int id, CancellationToken ct = default) => Task.FromResult(new User());
            }
            class Service
            {
                public async Task<User> LoadAsync(Users users)
                {
                    await Task.Yield();
                    return {|TG1003:users.Get(1)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Twin_declared_on_an_inherited_interface_is_found()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            interface IDatabaseAsync { Task<string?> StringGetAsync(string key); }
            interface IDatabase : IDatabaseAsync { string? StringGet(string key); }
            class Cache
            {
                public async Task<string?> GetAsync(IDatabase db, string key)
                {
                    await Task.Yield();
                    return {|TG1003:db.StringGet(key)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Twin_among_extension_methods_of_the_same_class_is_found()
    {
        await Verify.VerifyAnalyzerAsync("""
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
                public async Task StartAsync(Host host)
                {
                    await Task.Yield();
                    {|TG1003:host.Run()|};
                }
            }
            """);
    }

    [Fact]
    public async Task Span_overloads_pair_with_memory_twins()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            class Proxy
            {
                public async Task PumpAsync(Stream from, Stream to)
                {
                    await Task.Yield();
                    var buffer = new byte[16];
                    var n = {|TG1003:from.Read(buffer.AsSpan())|};
                    {|TG1003:to.Write(new ReadOnlySpan<byte>(buffer, 0, n))|};
                }
            }
            """);
    }

    [Fact]
    public async Task Calling_the_sync_version_inside_its_own_async_twin_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Job
            {
                public void Run() { }
                public async Task RunAsync()
                {
                    await Task.Yield();
                    Run();
                }
                public static void Build() { }
                public static async Task BuildAsync() { await Task.Yield(); Build(); }
            }
            """);
    }

    [Fact]
    public async Task Sync_call_on_the_same_instance_inside_an_override_of_its_twin_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            abstract class BufferedStreamBase : Stream
            {
                public override async Task FlushAsync(CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    Flush();
                }
            }
            """);
    }

    [Fact]
    public async Task Sync_call_on_another_instance_inside_an_override_of_its_twin_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            abstract class LoggingStream : Stream
            {
                private readonly Stream _inner = Null;
                public override async Task FlushAsync(CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    {|TG1003:_inner.Flush()|};
                }
            }
            """);
    }

    [Fact]
    public async Task Zero_timeout_waits_are_probes_and_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Throttle
            {
                public async Task<bool> TryEnterAsync(SemaphoreSlim gate, ManualResetEventSlim ready, WaitHandle handle, Thread worker)
                {
                    await Task.Yield();
                    return gate.Wait(0) && gate.Wait(TimeSpan.Zero) && ready.Wait(0) && handle.WaitOne(0) && worker.Join(0);
                }
            }
            """);
    }

    [Fact]
    public async Task Nonzero_timeout_waits_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Throttle
            {
                public async Task<bool> TryEnterAsync(SemaphoreSlim gate, WaitHandle handle, int timeout)
                {
                    await Task.Yield();
                    return {|TG1003:gate.Wait(1)|} && {|TG1003:gate.Wait(TimeSpan.FromMilliseconds(5))|} && {|TG1003:handle.WaitOne(timeout)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Dispose_and_cancel_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Session
            {
                public async Task CloseAsync(Stream stream, CancellationTokenSource cts)
                {
                    await Task.Yield();
                    cts.Cancel();
                    stream.Dispose();
                }
            }
            """);
    }

    [Fact]
    public async Task Task_waits_are_left_to_TG1001()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            class Session
            {
                public async Task CloseAsync(Task pending)
                {
                    await Task.Yield();
                    pending.Wait(TimeSpan.FromSeconds(1));
                }
            }
            """);
    }

    [Fact]
    public async Task Test_methods_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public class LoaderTests
            {
                [Fact]
                public async Task Loads()
                {
                    await Task.Yield();
                    File.ReadAllText("fixture.json");
                }
            }
            """);
    }

    [Fact]
    public async Task Test_methods_are_reported_when_test_code_is_not_excluded()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public class LoaderTests
            {
                [Fact]
                public async Task Loads()
                {
                    await Task.Yield();
                    {|TG1003:File.ReadAllText("fixture.json")|};
                }
            }
            """, editorConfig: "tailguard.exclude_test_code = false");
    }

    [Fact]
    public async Task Excluded_methods_are_not_reported_and_cover_overrides()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Proxy
            {
                public async Task CopyAsync(FileStream file, string path, byte[] buffer)
                {
                    await Task.Yield();
                    file.Flush();
                    File.ReadAllText(path);
                    File.ReadAllBytes(path);
                    {|TG1003:file.Write(buffer, 0, 1)|};
                }
            }
            """, editorConfig: "TG1003.excluded_methods = System.IO.Stream.Flush, System.IO.File.*");
    }

    [Fact]
    public async Task Synchronous_branch_of_an_async_flag_if_statement_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Connector
            {
                private readonly Stream _stream = Stream.Null;
                internal async ValueTask<int> ReadAsync(bool async, byte[] buffer, CancellationToken ct)
                {
                    int n;
                    if (async)
                        n = await _stream.ReadAsync(buffer, 0, buffer.Length, ct);
                    else
                        n = _stream.Read(buffer, 0, buffer.Length);
                    if (!async)
                    {
                        _stream.Flush();
                    }
                    else
                    {
                        await _stream.FlushAsync(ct);
                    }
                    return n;
                }
            }
            """);
    }

    [Fact]
    public async Task Synchronous_branch_of_an_async_flag_conditional_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Connector
            {
                internal async Task<int> ReadAsync(Stream stream, byte[] buffer, bool isAsync, bool useAsync, CancellationToken ct)
                {
                    var n = isAsync ? await stream.ReadAsync(buffer, 0, buffer.Length, ct) : stream.Read(buffer, 0, buffer.Length);
                    var m = !useAsync ? stream.Read(buffer, 0, 1) : await stream.ReadAsync(buffer, 0, 1, ct);
                    var k = isAsync == false ? stream.Read(buffer, 0, 1) : await stream.ReadAsync(buffer, 0, 1, ct);
                    return n + m + k;
                }
            }
            """);
    }

    [Fact]
    public async Task Code_after_an_async_early_return_is_the_synchronous_path()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Connector
            {
                internal async Task FlushAsync(Stream stream, bool async, CancellationToken ct)
                {
                    if (async)
                    {
                        await stream.FlushAsync(ct);
                        return;
                    }

                    stream.Flush();
                }
            }
            """);
    }

    [Fact]
    public async Task Guard_on_another_variable_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Connector
            {
                internal async Task<int> ReadAsync(Stream stream, byte[] buffer, bool buffered, CancellationToken ct)
                {
                    if (buffered)
                        return await stream.ReadAsync(buffer, 0, buffer.Length, ct);
                    else
                        return {|TG1003:stream.Read(buffer, 0, buffer.Length)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Sync_call_on_the_async_branch_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Connector
            {
                internal async Task FlushAsync(Stream stream, bool async)
                {
                    if (async)
                    {
                        {|TG1003:stream.Flush()|};
                        await Task.Yield();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Async_flag_that_is_not_a_bool_or_is_combined_does_not_guard()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Connector
            {
                internal async Task FlushAsync(Stream stream, bool async, bool ready, bool? useAsync)
                {
                    if (async && ready)
                        await stream.FlushAsync();
                    else
                        {|TG1003:stream.Flush()|};
                    if (useAsync == true)
                        await stream.FlushAsync();
                    else
                        {|TG1003:stream.Flush()|};
                }
            }
            """);
    }

    [Fact]
    public async Task Last_top_level_statement_is_the_entry_point_and_is_not_reported()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System;
                using System.IO;
                using Microsoft.AspNetCore.Builder;
                var builder = WebApplication.CreateBuilder(args);
                var app = builder.Build();
                var banner = await File.ReadAllTextAsync("banner.txt");
                {|TG1003:File.ReadAllText("config.txt")|};
                app.MapGet("/", () => banner);
                app.Run();

                static void Log(string message) => Console.WriteLine(message);
                record Settings(string Url);
                """,
            TestState = { OutputKind = OutputKind.ConsoleApplication },
        };
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Top_level_code_before_the_first_await_runs_on_the_main_thread_and_is_not_reported()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System.IO;
                using System.Threading.Tasks;
                var seed = File.ReadAllText("seed.json");
                File.WriteAllText("copy.json", seed);
                await Task.Delay(1);
                {|TG1003:File.ReadAllText("late.json")|};
                await Task.Delay(1);
                """,
            TestState = { OutputKind = OutputKind.ConsoleApplication },
        };
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Top_level_code_in_a_loop_that_awaits_or_after_an_await_in_its_arguments_is_reported()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System.IO;
                using System.Threading.Tasks;
                {|TG1003:File.WriteAllText("a.txt", await File.ReadAllTextAsync("b.txt"))|};
                for (var i = 0; i < 3; i++)
                {
                    {|TG1003:File.ReadAllText("poll.json")|};
                    await Task.Delay(100);
                }
                """,
            TestState = { OutputKind = OutputKind.ConsoleApplication },
        };
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Async_main_before_its_first_await_is_not_reported_and_other_methods_are()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System.IO;
                using System.Threading.Tasks;
                static class Program
                {
                    static async Task Main()
                    {
                        var config = File.ReadAllText("config.json");
                        await Task.Delay(1);
                        {|TG1003:File.ReadAllText(config)|};
                    }

                    static async Task NotMainAsync()
                    {
                        {|TG1003:File.ReadAllText("config.json")|};
                        await Task.Delay(1);
                    }
                }
                """,
            TestState = { OutputKind = OutputKind.ConsoleApplication },
        };
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Top_level_run_that_is_not_the_last_statement_is_reported()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System;
                using System.IO;
                using Microsoft.AspNetCore.Builder;
                var app = WebApplication.CreateBuilder(args).Build();
                await File.ReadAllTextAsync("banner.txt");
                {|TG1003:app.Run()|};
                Console.WriteLine("stopped");
                """,
            TestState = { OutputKind = OutputKind.ConsoleApplication },
        };
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Run_at_the_end_of_an_async_method_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            class Server
            {
                public async Task StartAsync(WebApplication app)
                {
                    await Task.Yield();
                    {|TG1003:app.Run()|};
                }
            }
            """);
    }

    [Fact]
    public async Task Inaccessible_and_obsolete_twins_are_ignored()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            class Client
            {
                public int Fetch() => 1;
                private Task<int> FetchAsync() => Task.FromResult(1);
                public int Ping() => 1;
                [Obsolete("use Ping")] public Task<int> PingAsync() => Task.FromResult(1);
                public async Task<int> SelfAsync() { await Task.Yield(); return {|TG1003:Fetch()|}; }
            }
            class Caller
            {
                public async Task<int> CallAsync(Client client)
                {
                    await Task.Yield();
                    return client.Fetch() + client.Ping();
                }
            }
            """);
    }

    [Fact]
    public async Task Async_named_field_does_not_guard()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Connector
            {
                private readonly bool _isAsync = true;
                internal async Task FlushAsync(Stream stream)
                {
                    if (_isAsync)
                        await stream.FlushAsync();
                    else
                        {|TG1003:stream.Flush()|};
                }
            }
            """);
    }

    [Fact]
    public async Task Driver_style_code_reports_only_the_planted_blocking_calls()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Buffers.Binary;
            using System.IO;
            using System.Net.Sockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            sealed class WireConnector : IDisposable
            {
                private readonly Stream _stream;
                private readonly SemaphoreSlim _writeLock = new(1, 1);
                private readonly byte[] _header = new byte[5];
                private readonly ManualResetEventSlim _ready = new();

                public WireConnector(Stream stream) => _stream = stream;

                public void Open() => OpenCore(async: false, CancellationToken.None).GetAwaiter().GetResult();
                public Task OpenAsync(CancellationToken ct = default) => OpenCore(async: true, ct);

                private async Task OpenCore(bool async, CancellationToken ct)
                {
                    var startup = BuildStartupMessage("app", "db");
                    await WriteMessage(startup, async, ct);
                    var (code, length) = await ReadHeader(async, ct);
                    if (code != (byte)'R') throw new IOException("handshake failed");
                    await Skip(length, async, ct);
                    {|TG1003:_ready.Wait()|};
                }

                internal async ValueTask WriteMessage(byte[] message, bool async, CancellationToken ct)
                {
                    if (async)
                        await _writeLock.WaitAsync(ct);
                    else
                        _writeLock.Wait(ct);
                    try
                    {
                        if (async)
                        {
                            await _stream.WriteAsync(message, ct);
                            await _stream.FlushAsync(ct);
                            return;
                        }

                        _stream.Write(message, 0, message.Length);
                        _stream.Flush();
                    }
                    finally
                    {
                        _writeLock.Release();
                    }
                }

                internal async ValueTask<(byte Code, int Length)> ReadHeader(bool async, CancellationToken ct)
                {
                    var read = 0;
                    while (read < _header.Length)
                    {
                        var n = async
                            ? await _stream.ReadAsync(_header.AsMemory(read), ct)
                            : _stream.Read(_header, read, _header.Length - read);
                        if (n == 0) throw new EndOfStreamException();
                        read += n;
                    }

                    return (_header[0], BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(1)) - 4);
                }

                private async ValueTask Skip(int length, bool async, CancellationToken ct)
                {
                    var buffer = new byte[Math.Min(length, 8192)];
                    while (length > 0)
                    {
                        var n = !async ? _stream.Read(buffer, 0, Math.Min(length, buffer.Length))
                                       : await _stream.ReadAsync(buffer.AsMemory(0, Math.Min(length, buffer.Length)), ct);
                        length -= n;
                    }
                }

                public async Task<string> DescribeAsync(CancellationToken ct)
                {
                    using var ms = new MemoryStream();
                    using (var writer = new StreamWriter(ms, Encoding.UTF8, 256, leaveOpen: true))
                    {
                        writer.Write("connector:");
                        writer.Flush();
                    }

                    var body = new StreamReader(_stream);
                    var banner = {|TG1003:body.ReadLine()|};
                    await Task.Yield();
                    return Encoding.UTF8.GetString(ms.ToArray()) + banner;
                }

                public async Task<bool> TryAcquireAsync(CancellationToken ct)
                {
                    if (_writeLock.Wait(0)) return true;
                    await Task.Yield();
                    return {|TG1003:_writeLock.Wait(TimeSpan.FromSeconds(1))|};
                }

                public async Task PingAsync(Socket socket, CancellationToken ct)
                {
                    await Task.Yield();
                    {|TG1003:socket.Send(new byte[] { 1 })|};
                }

                private static byte[] BuildStartupMessage(string user, string database)
                {
                    using var ms = new MemoryStream();
                    using var writer = new BinaryWriter(ms);
                    writer.Write(0);
                    writer.Write(Encoding.UTF8.GetBytes(user + "\0" + database + "\0"));
                    writer.Flush();
                    return ms.ToArray();
                }

                public void Dispose()
                {
                    _stream.Dispose();
                    _writeLock.Dispose();
                    _ready.Dispose();
                }
            }
            """);
    }

    [Fact]
    public async Task Half_typed_code_does_not_throw()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System.IO;
                using System.Threading.Tasks;
                class Proxy
                {
                    public async Task CopyAsync(Stream s)
                    {
                        await Task.Yield();
                        s.Read(
                    }
                }
                """,
        };
        test.CompilerDiagnostics = CompilerDiagnostics.None;
        await test.RunAsync(CancellationToken.None);
    }
}
