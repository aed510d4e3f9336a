using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.UnnecessaryStateMachineAnalyzer>;
using VerifyFix = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.UnnecessaryStateMachineAnalyzer, TailGuard.CodeFixes.UnnecessaryStateMachineFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class UnnecessaryStateMachineAnalyzerTests
{
    [Fact]
    public async Task Tail_return_await_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Orders
            {
                public {|TG3003:async|} Task<int> CountAsync(string id)
                {
                    var key = id.Trim();
                    return await LoadAsync(key);
                }

                private static Task<int> LoadAsync(string key) => Task.FromResult(key.Length);
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
                    System.Console.WriteLine("saving");
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
            """);
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
            """);
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
