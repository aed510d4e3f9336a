using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.UnnecessaryStateMachineAnalyzer>;
using VerifyFix = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.UnnecessaryStateMachineAnalyzer, TailGuard.CodeFixes.UnnecessaryStateMachineFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class UnnecessaryStateMachineAnalyzerTests
{
    private const string AllowPrecedingStatements = "TG3003.allow_preceding_statements = true\n";

    [Fact]
    public async Task Tail_return_await_of_a_forwarding_overload_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            public class Orders
            {
                public {|TG3003:async|} Task<int> CountAsync(string id, CancellationToken ct)
                {
                    return await CountAsync(id, includeArchived: false, ct);
                }

                public Task<int> CountAsync(string id, bool includeArchived, CancellationToken ct) => Task.FromResult(id.Length);
            }
            """);
    }

    [Fact]
    public async Task Statements_before_the_tail_await_are_not_reported_by_default()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            public class Orders
            {
                public async Task<int> CountAsync(string id)
                {
                    var key = id.Trim();
                    return await LoadAsync(key);
                }

                public async Task<int> ValidatedAsync(string id, CancellationToken ct)
                {
                    ArgumentNullException.ThrowIfNull(id);
                    return await LoadAsync(id);
                }

                public async Task<int> NormalizedAsync(string id) => await LoadAsync(id.Trim());

                public async Task<int> CheckedAsync(string? id) => await LoadAsync(id ?? throw new ArgumentNullException(nameof(id)));

                private static Task<int> LoadAsync(string key) => Task.FromResult(key.Length);
            }
            """);
    }

    [Fact]
    public async Task Statements_before_the_tail_await_are_reported_with_the_option()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            public class Orders
            {
                public {|TG3003:async|} Task<int> CountAsync(string id)
                {
                    var key = id.Trim();
                    return await LoadAsync(key);
                }

                public {|TG3003:async|} Task<int> NormalizedAsync(string id) => await LoadAsync(id.Trim());

                private static Task<int> LoadAsync(string key) => Task.FromResult(key.Length);
            }
            """, AllowPrecedingStatements);
    }

    [Fact]
    public async Task Middleware_forwarding_to_next_is_reported_and_one_reading_the_body_first_is_not()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            public delegate Task RequestDelegate(Stream body);
            public class Passthrough
            {
                private readonly RequestDelegate _next;
                public Passthrough(RequestDelegate next) => _next = next;
                public {|TG3003:async|} Task InvokeAsync(Stream body) => await _next(body);
            }

            public class BodyLogger
            {
                private readonly RequestDelegate _next;
                public BodyLogger(RequestDelegate next) => _next = next;
                public async Task InvokeAsync(Stream body)
                {
                    var first = body.ReadByte();
                    Console.WriteLine(first);
                    await _next(body);
                }
            }
            """);
    }

    [Fact]
    public async Task Final_await_statement_and_expression_bodies_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Orders
            {
                public {|TG3003:async|} Task SaveAsync(Task write)
                {
                    await write;
                }

                public {|TG3003:async|} ValueTask<int> PeekAsync(ValueTask<int> next) => await next;

                public {|TG3003:async|} Task FlushAsync(Task<int> flush) => await flush;
            }
            """);
    }

    [Fact]
    public async Task Nullable_oblivious_code_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            #nullable disable
            using System.IO;
            using System.Threading.Tasks;
            public class Files
            {
                public {|TG3003:async|} Task<string> ReadAsync(string path) => await File.ReadAllTextAsync(path);
            }
            """);
    }

    [Fact]
    public async Task Local_functions_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Orders
            {
                public Task<int> RunAsync(Task<int> work)
                {
                    return Inner();

                    {|TG3003:async|} Task<int> Inner() => await work;
                }
            }
            """);
    }

    [Fact]
    public async Task Await_inside_try_using_or_lock_scope_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            public class Orders
            {
                public async Task<int> GuardedAsync(Task<int> work)
                {
                    try
                    {
                        return await work;
                    }
                    catch (InvalidOperationException)
                    {
                        return 0;
                    }
                }

                public async Task<int> UsingAsync(Func<Stream, Task<int>> work)
                {
                    using (var stream = new MemoryStream())
                    {
                        return await work(stream);
                    }
                }

                public async Task<int> UsingDeclarationAsync(Func<Stream, Task<int>> work)
                {
                    using var stream = new MemoryStream();
                    return await work(stream);
                }
            }
            """);
    }

    [Fact]
    public async Task Result_conversions_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Orders
            {
                public async Task<object> BoxAsync(Task<string> work) => await work;

                public async ValueTask<int> FromTaskAsync(Task<int> work) => await work;

                public async Task<long> WidenAsync(Task<int> work)
                {
                    return await work;
                }

                public async ValueTask DiscardAsync(ValueTask<int> work) => await work;

                public async Task<string?> NullableAsync(Task<string> work) => await work;
            }
            """);
    }

    [Fact]
    public async Task Several_awaits_or_work_after_the_await_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Orders
            {
                public async Task<int> TwiceAsync(Task<int> a, Task<int> b)
                {
                    await a;
                    return await b;
                }

                public async Task<int> ThenAsync(Task<int> work)
                {
                    var n = await work;
                    return n + 1;
                }

                public async Task EarlyReturnAsync(bool skip, Task work)
                {
                    if (skip)
                    {
                        return;
                    }

                    await work;
                }

                public async Task YieldAsync() => await Task.Yield();

                public async void FireAsync(Task work) => await work;
            }
            """);
    }

    [Fact]
    public async Task Changes_to_the_execution_context_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Globalization;
            using System.Threading;
            using System.Threading.Tasks;
            public class Orders
            {
                private static readonly AsyncLocal<string?> Tenant = new();

                public async Task<int> ForTenantAsync(string tenant, Task<int> work)
                {
                    Tenant.Value = tenant;
                    return await work;
                }

                public async Task<int> InCultureAsync(Task<int> work)
                {
                    CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
                    return await work;
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_returns_the_task_directly()
    {
        await VerifyFix.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            public class Orders
            {
                // Loads the count.
                public {|TG3003:async|} Task<int> CountAsync(string id)
                {
                    var key = id.Trim();
                    return await LoadAsync(key).ConfigureAwait(false);
                }

                private static Task<int> LoadAsync(string key) => Task.FromResult(key.Length);
            }
            """, """
            using System.Threading.Tasks;
            public class Orders
            {
                // Loads the count.
                public Task<int> CountAsync(string id)
                {
                    var key = id.Trim();
                    return LoadAsync(key);
                }

                private static Task<int> LoadAsync(string key) => Task.FromResult(key.Length);
            }
            """, editorConfig: AllowPrecedingStatements);
    }

    [Fact]
    public async Task Fix_turns_a_final_await_into_a_return()
    {
        await VerifyFix.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            public class Orders
            {
                /// <summary>Saves.</summary>
                {|TG3003:async|} Task SaveAsync(Task<int> write)
                {
                    System.Console.WriteLine("saving");
                    await write; // the write result is not needed
                }
            }
            """, """
            using System.Threading.Tasks;
            public class Orders
            {
                /// <summary>Saves.</summary>
                Task SaveAsync(Task<int> write)
                {
                    System.Console.WriteLine("saving");
                    return write; // the write result is not needed
                }
            }
            """, editorConfig: AllowPrecedingStatements);
    }

    [Fact]
    public async Task Fix_all_rewrites_expression_bodies_and_local_functions()
    {
        await VerifyFix.VerifyFixAllAsync("""
            using System.Threading.Tasks;
            public class Orders
            {
                public static {|TG3003:async|} ValueTask<int> PeekAsync(ValueTask<int> next) => await next.ConfigureAwait(false);

                public Task<int> RunAsync(Task<int> work)
                {
                    return Inner();

                    {|TG3003:async|} Task<int> Inner() => await work;
                }
            }
            """, """
            using System.Threading.Tasks;
            public class Orders
            {
                public static ValueTask<int> PeekAsync(ValueTask<int> next) => next;

                public Task<int> RunAsync(Task<int> work)
                {
                    return Inner();

                    Task<int> Inner() => work;
                }
            }
            """);
    }

    [Fact]
    public async Task Half_typed_code_does_not_crash_the_analyzer()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Orders
            {
                public async Task<int> CountAsync() => await {|CS0103:Missing|}();

                public async Task<int> LoadAsync(string id)
                {
                    return await id.{|CS1061:Nope|}();
                }
            }
            """);
    }
}
