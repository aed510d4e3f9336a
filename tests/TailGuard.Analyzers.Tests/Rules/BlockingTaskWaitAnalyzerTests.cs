using Microsoft.CodeAnalysis;
using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.BlockingTaskWaitAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class BlockingTaskWaitAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Diagnostics;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    private static Task VerifyAsync(string source) => Verify.VerifyAnalyzerAsync(Usings + source);

    // ---- Shapes and task types ----

    [Fact]
    public async Task Result_on_a_task_is_reported_in_synchronous_code()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t) => {|TG1001:t.Result|};
            }
            """);
    }

    [Fact]
    public async Task Result_on_a_value_task_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(ValueTask<int> t) => {|TG1001:t.Result|};
            }
            """);
    }

    [Fact]
    public async Task Result_on_a_call_is_reported_at_the_member_access()
    {
        await VerifyAsync("""
            class Service
            {
                Task<string> LoadAsync() => Task.FromResult("x");
                Task<string> FetchAsync(string key) => LoadAsync();
                int Length() => {|TG1001:FetchAsync("k").Result|}.Length;
            }
            """);
    }

    [Fact]
    public async Task Wait_overloads_are_reported()
    {
        await VerifyAsync("""
            class Service
            {
                void Flush(Task t) => {|TG1001:t.Wait()|};
                void Flush(Task t, CancellationToken ct) => {|TG1001:t.Wait(ct)|};
                bool TryFlush(Task t) => {|TG1001:t.Wait(TimeSpan.FromSeconds(1))|};
            }
            """);
    }

    [Fact]
    public async Task GetAwaiter_GetResult_is_reported_on_every_task_type()
    {
        await VerifyAsync("""
            class Service
            {
                void Run(Task a, Task<int> b, ValueTask c, ValueTask<int> d)
                {
                    {|TG1001:a.GetAwaiter().GetResult()|};
                    _ = {|TG1001:b.GetAwaiter().GetResult()|};
                    {|TG1001:c.GetAwaiter().GetResult()|};
                    _ = {|TG1001:d.GetAwaiter().GetResult()|};
                }
            }
            """);
    }

    [Fact]
    public async Task ConfigureAwait_false_GetAwaiter_GetResult_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                void Run(Task<int> a, ValueTask b)
                {
                    _ = {|TG1001:a.ConfigureAwait(false).GetAwaiter().GetResult()|};
                    {|TG1001:b.ConfigureAwait(false).GetAwaiter().GetResult()|};
                }
            }
            """);
    }

    [Fact]
    public async Task GetResult_on_a_stored_awaiter_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Run(Task<int> t)
                {
                    var awaiter = t.GetAwaiter();
                    return {|TG1001:awaiter.GetResult()|};
                }
            }
            """);
    }

    [Fact]
    public async Task WaitAll_and_WaitAny_are_reported()
    {
        await VerifyAsync("""
            class Service
            {
                void Run(Task a, Task b, Task[] many)
                {
                    {|TG1001:Task.WaitAll(a, b)|};
                    {|TG1001:Task.WaitAll(many)|};
                    var first = {|TG1001:Task.WaitAny(a, b)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Blocking_in_an_async_method_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    await Task.Yield();
                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task A_sync_local_function_inside_an_async_method_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    await Task.Yield();
                    return Read();

                    int Read() => {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task A_lambda_in_a_constructor_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                private readonly Func<int> read;
                public Service(Task<int> t) => read = () => {|TG1001:t.Result|};
            }
            """);
    }

    [Fact]
    public async Task A_property_getter_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                private readonly Task<int> loading = Task.Run(() => 42);
                public int Value => {|TG1001:loading.Result|};
            }
            """);
    }

    // ---- Known complete: await, WhenAll, Wait, WaitAll ----

    [Fact]
    public async Task Result_after_await_of_the_same_task_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    await t;
                    return t.Result + t.GetAwaiter().GetResult();
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_await_with_ConfigureAwait_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    var first = await t.ConfigureAwait(false);
                    return first + t.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_await_Task_WhenAll_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                static Task<int> CountAsync() => Task.FromResult(1);
                async Task<int> SumAsync()
                {
                    var a = CountAsync();
                    var b = CountAsync();
                    await Task.WhenAll(a, b);
                    return a.Result + b.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_await_Task_WhenAll_with_ConfigureAwait_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> SumAsync(Task<int> a, Task<int> b)
                {
                    await Task.WhenAll(a, b).ConfigureAwait(false);
                    return a.Result + b.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_await_Task_WhenAll_over_an_array_initializer_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> SumAsync(Task<int> a, Task<int> b)
                {
                    var all = new[] { a, b };
                    await Task.WhenAll(all);
                    return a.Result + all[1].Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_await_Task_WhenAll_over_a_collection_expression_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> SumAsync(Task<int> a, Task<int> b)
                {
                    await Task.WhenAll([a, b]);
                    return a.Result + b.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_of_list_elements_after_await_Task_WhenAll_over_the_list_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                static Task<int> CountAsync(int i) => Task.FromResult(i);
                async Task<int> SumAsync(Task<int> extra)
                {
                    var tasks = new List<Task<int>>();
                    for (var i = 0; i < 10; i++)
                    {
                        tasks.Add(CountAsync(i));
                    }

                    tasks.Add(extra);
                    await Task.WhenAll(tasks);
                    var sum = tasks[0].Result + extra.Result;
                    foreach (var task in tasks)
                    {
                        sum += task.Result;
                    }

                    return sum;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_in_a_Select_over_the_awaited_collection_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int[]> AllAsync(Task<int>[] tasks)
                {
                    await Task.WhenAll(tasks);
                    return tasks.Select(t => t.Result).ToArray();
                }
            }
            """);
    }

    [Fact]
    public async Task Result_in_a_Select_written_before_the_await_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int[]> AllAsync(Task<int>[] tasks)
                {
                    var results = tasks.Select(t => {|TG1001:t.Result|});
                    await Task.WhenAll(tasks);
                    return results.ToArray();
                }

                int[] Other(Task<int>[] tasks, Task<int>[] others)
                {
                    {|TG1001:Task.WaitAll(others)|};
                    return tasks.Select(t => {|TG1001:t.Result|}).ToArray();
                }
            }
            """);
    }

    [Fact]
    public async Task Result_of_a_task_added_to_the_list_after_WhenAll_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> SumAsync(List<Task<int>> tasks, Task<int> late)
                {
                    await Task.WhenAll(tasks);
                    tasks.Add(late);
                    var sum = 0;
                    foreach (var task in tasks)
                    {
                        sum += {|TG1001:task.Result|};
                    }

                    return sum + {|TG1001:late.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_Wait_is_not_reported_but_the_Wait_is()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t)
                {
                    {|TG1001:t.Wait()|};
                    return t.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_WaitAll_is_not_reported_but_the_WaitAll_is()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> a, Task<int> b)
                {
                    {|TG1001:Task.WaitAll(a, b)|};
                    return a.Result + b.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task A_second_read_of_the_same_task_is_reported_once()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t)
                {
                    var first = {|TG1001:t.Result|};
                    return first + t.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Completed_task_factories_are_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get()
                {
                    Task.CompletedTask.Wait();
                    return Task.FromResult(1).Result + new ValueTask<int>(2).Result;
                }
            }
            """);
    }

    // ---- Known complete: continuations and guards ----

    [Fact]
    public async Task Result_of_the_antecedent_inside_ContinueWith_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                Task<string> Describe(Task<int> t) => t.ContinueWith(done => done.Result.ToString());
                Task Log(Task<int> t) => t.ContinueWith((done, state) => Console.WriteLine(done.Result), null);
            }
            """);
    }

    [Fact]
    public async Task Results_inside_ContinueWhenAll_are_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                Task<int> Sum(Task<int>[] tasks) => Task.Factory.ContinueWhenAll(tasks, done => done[0].Result + done.Sum(d => 0));
            }
            """);
    }

    [Fact]
    public async Task Another_task_inside_ContinueWith_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                Task<int> Add(Task<int> t, Task<int> other) => t.ContinueWith(done => done.Result + {|TG1001:other.Result|});
            }
            """);
    }

    [Fact]
    public async Task Result_behind_an_IsCompleted_guard_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t)
                {
                    if (t.IsCompleted)
                    {
                        return t.Result;
                    }

                    return -1;
                }

                int Ternary(Task<int> t) => t.IsCompletedSuccessfully ? t.Result : -1;
                bool And(ValueTask<int> t) => t.IsCompletedSuccessfully && t.Result > 0;
                int Negated(Task<int> t) => !t.IsCompleted ? -1 : t.Result;
            }
            """);
    }

    [Fact]
    public async Task Result_after_an_early_return_when_not_completed_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t)
                {
                    if (!t.IsCompleted)
                        return -1;

                    return t.Result;
                }

                int Throw(ValueTask<int> t)
                {
                    if (!t.IsCompletedSuccessfully)
                    {
                        throw new InvalidOperationException();
                    }

                    return t.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task GetResult_behind_an_awaiter_IsCompleted_guard_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t)
                {
                    var awaiter = t.GetAwaiter();
                    return awaiter.IsCompleted ? awaiter.GetResult() : -1;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_inside_a_loop_guarded_by_its_completion_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Drain(Queue<Task<int>> queue)
                {
                    var sum = 0;
                    while (queue.Count > 0)
                    {
                        var next = queue.Peek();
                        if (!next.IsCompleted)
                        {
                            break;
                        }

                        sum += queue.Dequeue() == next ? next.Result : 0;
                    }

                    return sum;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_a_loop_that_waits_for_completion_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    while (!t.IsCompleted)
                    {
                        await Task.Delay(10);
                    }

                    return t.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_a_loop_that_may_break_out_early_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t, CancellationToken ct)
                {
                    while (!t.IsCompleted)
                    {
                        if (ct.IsCancellationRequested)
                        {
                            break;
                        }

                        await Task.Delay(10);
                    }

                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_behind_a_guard_on_another_task_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t, Task<int> other)
                {
                    if (other.IsCompleted)
                    {
                        return {|TG1001:t.Result|};
                    }

                    return other.IsCompleted ? {|TG1001:t.Result|} : 0;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_in_the_else_branch_of_an_IsCompleted_guard_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t)
                {
                    if (t.IsCompleted)
                    {
                        return 0;
                    }
                    else
                    {
                        return {|TG1001:t.Result|};
                    }
                }

                bool Or(Task<int> t) => t.IsCompleted || {|TG1001:t.Result|} > 0;
            }
            """);
    }

    [Fact]
    public async Task Result_after_an_IsCompleted_check_that_does_not_leave_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t)
                {
                    if (!t.IsCompleted)
                    {
                        Console.WriteLine("slow path");
                    }

                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    // ---- Known complete: the idioms of issue 7 ----

    [Fact]
    public async Task GetResult_of_a_call_with_constant_async_false_is_not_reported()
    {
        await VerifyAsync("""
            class Connection
            {
                public void Open() => OpenCore(async: false, CancellationToken.None).GetAwaiter().GetResult();
                public int Read() => ReadCore(false).GetAwaiter().GetResult();
                public int Count() => CountCore(false).Result;

                private async Task OpenCore(bool async, CancellationToken ct)
                {
                    if (async) await Task.Delay(1, ct); else Thread.Sleep(1);
                }

                private async ValueTask<int> ReadCore(bool async) => async ? await Task.FromResult(1) : 1;
                private async Task<int> CountCore(bool async) => async ? await Task.FromResult(1) : 1;
            }
            """);
    }

    [Fact]
    public async Task GetResult_of_a_stored_task_from_a_call_with_async_false_is_not_reported()
    {
        await VerifyAsync("""
            class Connection
            {
                public int Read()
                {
                    var pending = ReadCore(async: false);
                    return pending.GetAwaiter().GetResult();
                }

                private async ValueTask<int> ReadCore(bool async) => async ? await Task.FromResult(1) : 1;
            }
            """);
    }

    [Fact]
    public async Task GetResult_of_a_call_with_async_true_or_a_variable_is_reported()
    {
        await VerifyAsync("""
            class Connection
            {
                public void Open() => {|TG1001:OpenCore(async: true).GetAwaiter().GetResult()|};
                public void Open(bool flag) => {|TG1001:OpenCore(flag).GetAwaiter().GetResult()|};
                public int Count(bool flag) => {|TG1001:CountCore(async: flag).Result|};

                private async Task OpenCore(bool async)
                {
                    if (async) await Task.Delay(1);
                }

                private async Task<int> CountCore(bool async) => async ? await Task.FromResult(1) : 1;
            }
            """);
    }

    [Fact]
    public async Task GetResult_passing_the_async_flag_on_its_synchronous_branch_is_not_reported()
    {
        await VerifyAsync("""
            class Connector
            {
                internal ValueTask Reset(bool async)
                {
                    if (async)
                    {
                        return new ValueTask(Flush(async));
                    }

                    Flush(async).GetAwaiter().GetResult();
                    return default;
                }

                internal async Task Close(bool isAsync)
                {
                    if (isAsync)
                        await Flush(isAsync);
                    else
                        Flush(async: isAsync).Wait();
                }

                private async Task Flush(bool async) { if (async) await Task.Yield(); }
            }
            """);
    }

    [Fact]
    public async Task GetResult_passing_the_async_flag_outside_its_guard_or_under_another_guard_is_reported()
    {
        await VerifyAsync("""
            class Connector
            {
                internal void Reset(bool async, bool fast)
                {
                    {|TG1001:Flush(async).GetAwaiter().GetResult()|};
                    if (!fast)
                    {
                        {|TG1001:Flush(async).GetAwaiter().GetResult()|};
                    }

                    if (async)
                    {
                        {|TG1001:Flush(async).GetAwaiter().GetResult()|};
                    }
                }

                internal void Retry(bool async)
                {
                    if (!async)
                    {
                        async = true;
                        {|TG1001:Flush(async).GetAwaiter().GetResult()|};
                    }
                }

                private async Task Flush(bool async) { if (async) await Task.Yield(); }
            }
            """);
    }

    [Fact]
    public async Task A_bool_argument_not_named_async_does_not_exempt_the_call()
    {
        await VerifyAsync("""
            class Connection
            {
                public void Open() => {|TG1001:OpenCore(force: false).GetAwaiter().GetResult()|};
                private Task OpenCore(bool force) => Task.Delay(1);
            }
            """);
    }

    // The async flag has one definition (DualSyncAsyncPath.IsAsyncFlagName), the one the TG1002/TG1003 guards already used.

    [Fact]
    public async Task GetResult_of_a_call_whose_isAsync_useAsync_or_underscore_async_flag_is_false_is_not_reported()
    {
        await VerifyAsync("""
            class Connection
            {
                public void Open() => OpenCore(isAsync: false).GetAwaiter().GetResult();
                public int Read() => ReadCore(false).GetAwaiter().GetResult();
                public int Count() => CountCore(_async: false).Result;
                public void Close() => CloseCore(runAsync: false).Wait();

                public int Peek()
                {
                    var pending = ReadCore(useAsync: false);
                    return pending.GetAwaiter().GetResult();
                }

                private async Task OpenCore(bool isAsync) { if (isAsync) await Task.Delay(1); }
                private async ValueTask<int> ReadCore(bool useAsync) => useAsync ? await Task.FromResult(1) : 1;
                private async Task<int> CountCore(bool _async) => _async ? await Task.FromResult(1) : 1;
                private async Task CloseCore(bool runAsync) { if (runAsync) await Task.Yield(); }
            }
            """);
    }

    [Fact]
    public async Task A_driver_blocking_on_the_synchronous_branch_of_its_isAsync_guard_is_not_reported()
    {
        await VerifyAsync("""
            class Connector
            {
                internal async Task<int> Read(bool isAsync)
                {
                    if (isAsync)
                        return await ReadCore(isAsync);
                    else
                        return ReadCore(isAsync).Result;
                }

                internal async Task Flush(bool useAsync)
                {
                    if (useAsync)
                    {
                        await FlushCore(useAsync);
                        return;
                    }

                    FlushCore(useAsync).GetAwaiter().GetResult();
                }

                internal int Parse(bool _isAsync) => _isAsync ? -1 : ReadCore(_isAsync).Result;

                private async Task<int> ReadCore(bool isAsync) => isAsync ? await Task.FromResult(1) : 1;
                private async Task FlushCore(bool useAsync) { if (useAsync) await Task.Yield(); }
            }
            """);
    }

    [Fact]
    public async Task An_isAsync_flag_that_is_true_unguarded_or_not_a_bool_and_near_miss_names_are_reported()
    {
        await VerifyAsync("""
            class Connection
            {
                public void Open() => {|TG1001:OpenCore(isAsync: true).GetAwaiter().GetResult()|};
                public void Open(bool isAsync) => {|TG1001:OpenCore(isAsync).GetAwaiter().GetResult()|};
                public void Load() => {|TG1001:LoadCore(asynchronous: false).GetAwaiter().GetResult()|};
                public void Fetch() => {|TG1001:FetchCore(isAsync: false).GetAwaiter().GetResult()|};

                internal async Task<int> Read(bool isAsync)
                {
                    if (isAsync)
                        return {|TG1001:ReadCore(isAsync).Result|};
                    return await ReadCore(isAsync);
                }

                private async Task OpenCore(bool isAsync) { if (isAsync) await Task.Yield(); }
                private Task LoadCore(bool asynchronous) => Task.Delay(1);
                private Task FetchCore(bool? isAsync) => Task.Delay(1);
                private async Task<int> ReadCore(bool isAsync) => isAsync ? await Task.FromResult(1) : 1;
            }
            """);
    }

    [Fact]
    public async Task Result_after_Debug_Assert_IsCompleted_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t)
                {
                    Debug.Assert(t.IsCompleted, "the handshake completed it");
                    return t.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_Debug_Assert_on_another_task_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t, Task<int> other)
                {
                    Debug.Assert(other.IsCompleted);
                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_awaiting_inside_a_not_completed_branch_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    if (!t.IsCompleted)
                    {
                        Console.WriteLine("waiting");
                        await t.ConfigureAwait(false);
                    }

                    return t.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_awaiting_another_task_inside_a_not_completed_branch_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t, Task other)
                {
                    if (!t.IsCompleted)
                    {
                        await other;
                    }

                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_in_the_same_condition_as_a_RanToCompletion_check_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                bool Ok(Task<int> t) => t.Status == TaskStatus.RanToCompletion && t.Result > 0;
                bool Reversed(Task<int> t) => TaskStatus.RanToCompletion == t.Status && t.Result > 0;
                int Pattern(Task<int> t) => t.Status is TaskStatus.RanToCompletion ? t.Result : 0;
                bool Succeeded(Task<int> t) => t.IsCompletedSuccessfully && t.Result > 0;
            }
            """);
    }

    [Fact]
    public async Task Result_behind_a_non_final_status_check_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                bool Running(Task<int> t) => t.Status == TaskStatus.Running && {|TG1001:t.Result|} > 0;
                bool NotDone(Task<int> t) => t.Status != TaskStatus.RanToCompletion && {|TG1001:t.Result|} > 0;
                bool Other(Task<int> t, Task<int> other) => other.Status == TaskStatus.RanToCompletion && {|TG1001:t.Result|} > 0;
            }
            """);
    }

    // ---- Near misses: facts that do not dominate the read ----

    [Fact]
    public async Task Result_after_a_conditional_await_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t, bool wait)
                {
                    if (wait)
                    {
                        await t;
                    }

                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_an_await_inside_a_try_with_catch_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    try
                    {
                        await t;
                    }
                    catch (TimeoutException)
                    {
                    }

                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_awaiting_another_task_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t, Task<int> other)
                {
                    await other;
                    await Task.WhenAll(other);
                    await Task.WhenAny(t, other);
                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_WaitAny_or_a_timed_Wait_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> a, Task<int> b)
                {
                    {|TG1001:Task.WaitAny(a, b)|};
                    {|TG1001:a.Wait(100)|};
                    return {|TG1001:a.Result|};
                }

                int Timed(Task<int> a) => {|TG1001:a.Wait(100)|} ? a.Result : -1;
            }
            """);
    }

    [Fact]
    public async Task Result_after_the_variable_is_reassigned_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                static Task<int> NextAsync() => Task.Run(() => 1);
                async Task<int> GetAsync(Task<int> t)
                {
                    await t;
                    t = NextAsync();
                    return {|TG1001:t.Result|};
                }

                async Task<int> LoopAsync(Task<int> t)
                {
                    await t;
                    var sum = 0;
                    for (var i = 0; i < 3; i++)
                    {
                        sum += {|TG1001:t.Result|};
                        t = NextAsync();
                    }

                    return sum;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_in_a_lambda_is_not_covered_by_an_await_in_the_enclosing_method()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<Func<int>> GetAsync(Task<int> t)
                {
                    await t;
                    return () => {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_in_the_enclosing_method_is_not_covered_by_an_await_in_a_lambda()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t)
                {
                    Func<Task> wait = async () => await t;
                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_before_the_await_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    var early = {|TG1001:t.Result|};
                    return early + await t;
                }
            }
            """);
    }

    // ---- Places that are not request paths ----

    [Fact]
    public async Task Main_is_not_reported()
    {
        await VerifyAsync("""
            static class Program
            {
                static Task<int> RunAsync() => Task.Run(() => 0);
                static int Main() => RunAsync().GetAwaiter().GetResult();
            }
            """);
    }

    [Fact]
    public async Task Top_level_statements_are_not_reported()
    {
        var test = new Verify.Test
        {
            TestCode = Usings + """
                var t = Task.Run(() => 1);
                Console.WriteLine(t.Result);
                t.Wait();
                """,
        };
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        await test.RunAsync();
    }

    [Fact]
    public async Task A_helper_called_from_Main_is_reported()
    {
        await VerifyAsync("""
            static class Program
            {
                static Task<int> RunAsync() => Task.Run(() => 0);
                // Not named Run: a Run() beside RunAsync() would be a sync twin (a bridge, see BlockingTaskWaitBridgeTests).
                static int Load() => {|TG1001:RunAsync().Result|};
                static int Main() => Load();
            }
            """);
    }

    [Fact]
    public async Task Nameof_Result_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                string Name(Task<int> t) => nameof(Task<int>.Result) + nameof(t.Result);
            }
            """);
    }

    [Fact]
    public async Task A_read_in_nameof_does_not_make_a_later_read_known_complete()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t)
                {
                    Console.WriteLine(nameof(t.Result));
                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Test_methods_are_not_reported()
    {
        await VerifyAsync("""
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public class ServiceTests
            {
                [Fact]
                public void Loads() => Task.Run(() => 1).Wait();
            }
            """);
    }

    [Fact]
    public async Task Test_methods_are_reported_when_test_code_is_not_excluded()
    {
        await Verify.VerifyAnalyzerAsync(Usings + """
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public class ServiceTests
            {
                [Fact]
                public void Loads() => {|TG1001:Task.Run(() => 1).Wait()|};
            }
            """, editorConfig: "tailguard.exclude_test_code = false");
    }

    [Fact]
    public async Task Helpers_constructor_and_dispose_of_an_xunit_test_class_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync(Usings + """
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public sealed class ServiceTests : IDisposable
            {
                private readonly int seed = Task.Run(() => 1).Result;

                public ServiceTests() => Task.Run(() => 2).Wait();

                [Fact]
                public void Loads() => Assert(Create());

                private int Create() => Task.Run(() => 3).GetAwaiter().GetResult();

                private static void Assert(int value) { }

                public void Dispose() => Task.Delay(1).Wait();
            }
            """);
    }

    [Fact]
    public async Task A_class_without_test_methods_is_not_test_code()
    {
        await Verify.VerifyAnalyzerAsync(Usings + """
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public sealed class ServiceFixture
            {
                public int Create() => {|TG1001:Task.Run(() => 3).GetAwaiter().GetResult()|};
            }

            public sealed class LookalikeTests
            {
                [Obsolete]
                public void Loads() => {|TG1001:Task.Delay(1).Wait()|};
            }
            """);
    }

    // ---- Near misses of the issue-7 idioms ----

    [Fact]
    public async Task A_stored_task_from_async_false_that_is_reassigned_is_reported()
    {
        await VerifyAsync("""
            class Connection
            {
                public int Read(bool retry)
                {
                    var pending = ReadCore(async: false);
                    if (retry)
                    {
                        pending = ReadCore(async: true);
                    }

                    return {|TG1001:pending.GetAwaiter().GetResult()|};
                }

                private async ValueTask<int> ReadCore(bool async) => async ? await Task.FromResult(1) : 1;
            }
            """);
    }

    [Fact]
    public async Task Result_after_Debug_Assert_that_the_task_is_not_complete_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t, bool completed)
                {
                    Debug.Assert(!t.IsCompleted);
                    Debug.Assert(completed);
                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_after_awaiting_inside_an_already_completed_branch_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    if (t.IsCompleted)
                    {
                        await t;
                    }

                    return {|TG1001:t.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task Result_behind_a_status_check_on_another_task_or_a_negated_check_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                int Get(Task<int> t, Task<int> other)
                {
                    var a = other.Status == TaskStatus.RanToCompletion && {|TG1001:t.Result|} > 0;
                    var b = t.Status != TaskStatus.RanToCompletion && {|TG1001:t.Result|} > 0;
                    var c = other.IsCompletedSuccessfully ? {|TG1001:t.Result|} : 0;
                    return (a || b) ? c : 0;
                }
            }
            """);
    }

    // ---- Task.WhenAny winners ----

    [Fact]
    public async Task Result_of_the_awaited_WhenAny_winner_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> FastestAsync(Task<int> a, Task<int> b)
                {
                    var winner = await Task.WhenAny(a, b).ConfigureAwait(false);
                    return winner.Result + (await Task.WhenAny(a, b)).Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_of_a_reassigned_winner_or_of_an_unawaited_WhenAny_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> FastestAsync(Task<int> a, Task<int> b, Task<int> c)
                {
                    var winner = await Task.WhenAny(a, b);
                    winner = c;
                    var pending = Task.WhenAny(a, b);
                    return {|TG1001:winner.Result|} + {|TG1001:pending.Result|}.Id;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_behind_a_WhenAny_equality_check_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> WithDeadlineAsync(Task<int> query, TimeSpan deadline)
                {
                    if (await Task.WhenAny(query, Task.Delay(deadline)) == query)
                    {
                        return query.Result;
                    }

                    return -1;
                }

                async Task<int> OrThrowAsync(Task<int> query, TimeSpan deadline)
                {
                    var first = await Task.WhenAny(query, Task.Delay(deadline));
                    if (first != query)
                    {
                        throw new TimeoutException();
                    }

                    return query.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task Result_behind_a_WhenAny_check_on_another_task_or_the_losing_branch_is_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> WithDeadlineAsync(Task<int> query, Task<int> other, TimeSpan deadline)
                {
                    if (await Task.WhenAny(query, other, Task.Delay(deadline)) == other)
                    {
                        return {|TG1001:query.Result|};
                    }

                    if (await Task.WhenAny(query, Task.Delay(deadline)) != query)
                    {
                        return {|TG1001:query.Result|};
                    }

                    return 0;
                }

                int NotAwaited(Task<int> query, Task<int> other)
                {
                    var winner = Task.WhenAny(query, other);
                    return winner == (Task)query ? {|TG1001:query.Result|} : 0;
                }
            }
            """);
    }

    // ---- LINQ lambdas over captured tasks ----

    [Fact]
    public async Task Result_of_a_captured_task_in_a_LINQ_lambda_after_WhenAll_is_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<List<string>> AvailableAsync(List<string> skus, Func<string, Task<bool>> check, Task<int> count)
                {
                    var checks = skus.Select(check).ToList();
                    await Task.WhenAll(checks);
                    await count;
                    return skus.Where((sku, i) => checks[i].Result && count.Result > 0).ToList();
                }
            }
            """);
    }

    [Fact]
    public async Task Result_of_a_captured_task_in_a_LINQ_lambda_is_reported_before_the_await_or_after_reassignment()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<List<string>> BeforeAsync(List<string> skus, Func<string, Task<bool>> check)
                {
                    var checks = skus.Select(check).ToList();
                    var query = skus.Where((sku, i) => {|TG1001:checks[i].Result|});
                    await Task.WhenAll(checks);
                    return query.ToList();
                }

                async Task<List<string>> ReassignedAsync(List<string> skus, Task<bool> ready, Task<bool> later)
                {
                    await ready;
                    var result = skus.Where(sku => {|TG1001:ready.Result|}).ToList();
                    ready = later;
                    return result;
                }
            }
            """);
    }

    [Fact]
    public async Task Other_members_of_tasks_are_not_reported()
    {
        await VerifyAsync("""
            class Service
            {
                async Task<int> GetAsync(Task<int> t)
                {
                    _ = t.IsCompleted;
                    _ = t.Status;
                    _ = t.Exception;
                    _ = t.GetAwaiter().IsCompleted;
                    return await t;
                }
            }
            """);
    }
}
