using Verify = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.BlockingTaskWaitAnalyzer, TailGuard.CodeFixes.BlockingTaskWaitFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class BlockingTaskWaitFixerTests
{
    private const string Await = "TailGuard.TG1001.Await";
    private const string MakeAsync = "TailGuard.TG1001.MakeAsync";

    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    // ---- In async context: await ----

    [Fact]
    public async Task Result_becomes_await_without_parentheses_where_none_are_needed()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    await Task.Yield();
                    var value = {|TG1001:t.Result|};
                    return value + 1;
                }
            }
            """, Usings + """
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    await Task.Yield();
                    var value = await t;
                    return value + 1;
                }
            }
            """, Await);
    }

    [Fact]
    public async Task Result_becomes_parenthesized_await_before_a_member_access()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                Task<string> FetchAsync() => Task.FromResult("x");
                async Task<int> LengthAsync()
                {
                    await Task.Yield();
                    return {|TG1001:FetchAsync().Result|}.Length;
                }
            }
            """, Usings + """
            class Service
            {
                Task<string> FetchAsync() => Task.FromResult("x");
                async Task<int> LengthAsync()
                {
                    await Task.Yield();
                    return (await FetchAsync()).Length;
                }
            }
            """, Await);
    }

    [Fact]
    public async Task Wait_becomes_await()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                async Task RunAsync(Task t)
                {
                    await Task.Yield();
                    {|TG1001:t.Wait()|};
                }
            }
            """, Usings + """
            class Service
            {
                async Task RunAsync(Task t)
                {
                    await Task.Yield();
                    await t;
                }
            }
            """, Await);
    }

    [Fact]
    public async Task Wait_with_a_token_becomes_await_WaitAsync()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                async Task RunAsync(Task t, CancellationToken ct)
                {
                    await Task.Yield();
                    {|TG1001:t.Wait(ct)|};
                }
            }
            """, Usings + """
            class Service
            {
                async Task RunAsync(Task t, CancellationToken ct)
                {
                    await Task.Yield();
                    await t.WaitAsync(ct);
                }
            }
            """, Await);
    }

    [Fact]
    public async Task Wait_with_a_timeout_has_no_fix()
    {
        await Verify.VerifyNoCodeFixAsync(Usings + """
            class Service
            {
                async Task<bool> RunAsync(Task t)
                {
                    await Task.Yield();
                    return {|TG1001:t.Wait(100)|};
                }
            }
            """);
    }

    [Fact]
    public async Task GetAwaiter_GetResult_becomes_await_keeping_ConfigureAwait()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                async Task<int> GetAsync(ValueTask<int> t)
                {
                    await Task.Yield();
                    return {|TG1001:t.ConfigureAwait(false).GetAwaiter().GetResult()|};
                }
            }
            """, Usings + """
            class Service
            {
                async Task<int> GetAsync(ValueTask<int> t)
                {
                    await Task.Yield();
                    return await t.ConfigureAwait(false);
                }
            }
            """, Await);
    }

    [Fact]
    public async Task WaitAll_becomes_await_WhenAll()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                async Task RunAsync(Task a, Task b)
                {
                    await Task.Yield();
                    {|TG1001:Task.WaitAll(a, b)|};
                }
            }
            """, Usings + """
            class Service
            {
                async Task RunAsync(Task a, Task b)
                {
                    await Task.Yield();
                    await Task.WhenAll(a, b);
                }
            }
            """, Await);
    }

    [Fact]
    public async Task WaitAny_as_a_statement_becomes_await_WhenAny()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                async Task RunAsync(Task[] tasks)
                {
                    await Task.Yield();
                    {|TG1001:Task.WaitAny(tasks)|};
                }
            }
            """, Usings + """
            class Service
            {
                async Task RunAsync(Task[] tasks)
                {
                    await Task.Yield();
                    await Task.WhenAny(tasks);
                }
            }
            """, Await);
    }

    [Fact]
    public async Task WaitAny_whose_index_is_used_has_no_fix()
    {
        await Verify.VerifyNoCodeFixAsync(Usings + """
            class Service
            {
                async Task<int> RunAsync(Task[] tasks)
                {
                    await Task.Yield();
                    return {|TG1001:Task.WaitAny(tasks)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Await_is_not_offered_inside_a_lock()
    {
        await Verify.VerifyNoCodeFixAsync(Usings + """
            class Service
            {
                private readonly object gate = new();
                async Task<int> GetAsync(Task<int> t)
                {
                    await Task.Yield();
                    lock (gate)
                    {
                        return {|TG1001:t.Result|};
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Await_is_not_offered_inside_a_Lock_scope_or_after_Monitor_Enter()
    {
        await Verify.VerifyNoCodeFixAsync(Usings + """
            class Service
            {
                private readonly Lock gate = new();
                private readonly object monitor = new();
                async Task<int> ScopeAsync(Task<int> t)
                {
                    await Task.Yield();
                    using (gate.EnterScope())
                    {
                        return {|TG1001:t.Result|};
                    }
                }

                async Task<int> MonitorAsync(Task<int> t)
                {
                    await Task.Yield();
                    Monitor.Enter(monitor);
                    try
                    {
                        return {|TG1001:t.Result|};
                    }
                    finally
                    {
                        Monitor.Exit(monitor);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Await_is_not_offered_in_a_catch_filter()
    {
        await Verify.VerifyNoCodeFixAsync(Usings + """
            class Service
            {
                async Task RunAsync(Task<bool> t)
                {
                    try
                    {
                        await Task.Yield();
                    }
                    catch (Exception) when ({|TG1001:t.Result|})
                    {
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_awaits_every_blocking_call_in_the_document()
    {
        await Verify.VerifyFixAllAsync(Usings + """
            class Service
            {
                async Task<int> GetAsync(Task<int> a, Task<int> b, Task c)
                {
                    await Task.Yield();
                    {|TG1001:c.Wait()|};
                    return {|TG1001:a.Result|} + {|TG1001:b.GetAwaiter().GetResult()|};
                }

                async Task<int> LengthAsync(Task<string> s)
                {
                    await Task.Yield();
                    return {|TG1001:s.Result|}.Length;
                }
            }
            """, Usings + """
            class Service
            {
                async Task<int> GetAsync(Task<int> a, Task<int> b, Task c)
                {
                    await Task.Yield();
                    await c;
                    return await a + await b;
                }

                async Task<int> LengthAsync(Task<string> s)
                {
                    await Task.Yield();
                    return (await s).Length;
                }
            }
            """, Await);
    }

    [Fact]
    public async Task Nested_blocking_calls_are_fixed_together()
    {
        await Verify.VerifyFixAllAsync(Usings + """
            class Service
            {
                Task<Task<int>> OuterAsync() => Task.FromResult(Task.FromResult(1));
                async Task<int> GetAsync()
                {
                    await Task.Yield();
                    return {|TG1001:{|TG1001:OuterAsync().Result|}.Result|};
                }
            }
            """, Usings + """
            class Service
            {
                Task<Task<int>> OuterAsync() => Task.FromResult(Task.FromResult(1));
                async Task<int> GetAsync()
                {
                    await Task.Yield();
                    return await (await OuterAsync());
                }
            }
            """, Await);
    }

    // ---- Outside async context: make the method async ----

    [Fact]
    public async Task A_task_returning_method_is_made_async()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                public Task<int> GetAsync(Task<int> t)
                {
                    var value = {|TG1001:t.Result|};
                    return Task.FromResult(value + 1);
                }
            }
            """, Usings + """
            class Service
            {
                public async Task<int> GetAsync(Task<int> t)
                {
                    var value = await t;
                    return value + 1;
                }
            }
            """, MakeAsync);
    }

    [Fact]
    public async Task Returned_tasks_are_awaited_when_the_method_is_made_async()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                Task<int> NextAsync() => Task.FromResult(1);
                Task<int> GetAsync(Task<int> t, bool flag)
                {
                    if (flag)
                    {
                        return NextAsync();
                    }

                    return Task.FromResult({|TG1001:t.Result|});
                }
            }
            """, Usings + """
            class Service
            {
                Task<int> NextAsync() => Task.FromResult(1);
                async Task<int> GetAsync(Task<int> t, bool flag)
                {
                    if (flag)
                    {
                        return await NextAsync();
                    }

                    return await t;
                }
            }
            """, MakeAsync);
    }

    [Fact]
    public async Task A_task_returning_method_with_completed_task_returns_is_made_async()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                protected virtual Task FlushAsync(Task pending, bool skip)
                {
                    if (skip)
                    {
                        return Task.CompletedTask;
                    }

                    {|TG1001:pending.Wait()|};
                    return Task.CompletedTask;
                }
            }
            """, Usings + """
            class Service
            {
                protected virtual async Task FlushAsync(Task pending, bool skip)
                {
                    if (skip)
                    {
                        return;
                    }

                    await pending;
                }
            }
            """, MakeAsync);
    }

    [Fact]
    public async Task An_expression_bodied_local_function_is_made_async()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                Task<int> RunAsync(Task<int> t)
                {
                    return Local();

                    Task<int> Local() => Task.FromResult({|TG1001:t.Result|} * 2);
                }
            }
            """, Usings + """
            class Service
            {
                Task<int> RunAsync(Task<int> t)
                {
                    return Local();

                    async Task<int> Local() => await t * 2;
                }
            }
            """, MakeAsync);
    }

    [Fact]
    public async Task Returned_tasks_of_a_non_generic_task_method_are_awaited_when_it_is_made_async()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                Task SaveAsync() => Task.CompletedTask;
                Task RunAsync(Task pending, bool save)
                {
                    if (save)
                    {
                        return SaveAsync();
                    }

                    {|TG1001:pending.GetAwaiter().GetResult()|};
                    return SaveAsync();
                }
            }
            """, Usings + """
            class Service
            {
                Task SaveAsync() => Task.CompletedTask;
                async Task RunAsync(Task pending, bool save)
                {
                    if (save)
                    {
                        await SaveAsync();
                        return;
                    }

                    await pending;
                    await SaveAsync();
                }
            }
            """, MakeAsync);
    }

    [Fact]
    public async Task An_async_lambda_gets_await()
    {
        await Verify.VerifyCodeFixAsync(Usings + """
            class Service
            {
                Func<Task<int>> Make(Task<int> t) => async () => {|TG1001:t.Result|} + 1;
            }
            """, Usings + """
            class Service
            {
                Func<Task<int>> Make(Task<int> t) => async () => await t + 1;
            }
            """, Await);
    }

    [Fact]
    public async Task A_sync_lambda_is_not_made_async()
    {
        await Verify.VerifyNoCodeFixAsync(Usings + """
            class Service
            {
                Func<int> Make(Task<int> t) => () => {|TG1001:t.Result|};
            }
            """);
    }

    [Fact]
    public async Task A_value_returning_method_is_not_made_async()
    {
        await Verify.VerifyNoCodeFixAsync(Usings + """
            class Service
            {
                public int Get(Task<int> t) => {|TG1001:t.Result|};
                public void Run(Task t) => {|TG1001:t.Wait()|};
            }
            """);
    }

    [Fact]
    public async Task A_method_with_a_ref_parameter_is_not_made_async()
    {
        await Verify.VerifyNoCodeFixAsync(Usings + """
            class Service
            {
                public Task<int> GetAsync(Task<int> t, ref int calls)
                {
                    calls++;
                    return Task.FromResult({|TG1001:t.Result|});
                }
            }
            """);
    }

    [Fact]
    public async Task A_method_with_a_span_local_is_not_made_async()
    {
        await Verify.VerifyNoCodeFixAsync(Usings + """
            class Service
            {
                public Task<int> ParseAsync(Task<string> t)
                {
                    ReadOnlySpan<char> text = {|TG1001:t.Result|}.AsSpan();
                    return Task.FromResult(text.Length);
                }
            }
            """);
    }

    [Fact]
    public async Task A_task_returning_method_holding_a_lock_is_not_made_async()
    {
        await Verify.VerifyNoCodeFixAsync(Usings + """
            class Service
            {
                private readonly object gate = new();
                public Task<int> GetAsync(Task<int> t)
                {
                    lock (gate)
                    {
                        return Task.FromResult({|TG1001:t.Result|});
                    }
                }
            }
            """);
    }
}
