using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.LoopWithoutYieldAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class LoopWithoutYieldAnalyzerTests
{
    [Fact]
    public async Task While_true_without_a_driven_exit_is_reported_on_the_keyword()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                int _n;
                public async Task RunAsync()
                {
                    await Task.Delay(1);
                    {|TG2001:while|} (true)
                    {
                        _n++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task For_ever_and_do_while_true_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                int _n;
                public async Task RunAsync()
                {
                    await Task.Delay(1);
                    {|TG2001:for|} (;;) { _n++; }
                }

                public async Task SpinAsync()
                {
                    await Task.Delay(1);
                    {|TG2001:do|} { _n++; } while (true);
                }
            }
            """);
    }

    [Fact]
    public async Task Cancellation_condition_that_the_body_does_not_drive_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Worker
            {
                int _n;
                public async Task RunAsync(CancellationToken ct)
                {
                    await Task.Delay(1, ct);
                    {|TG2001:while|} (!ct.IsCancellationRequested)
                    {
                        ct.ThrowIfCancellationRequested();
                        _n++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Flag_field_that_the_body_does_not_write_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                volatile bool _running = true;
                int _n;
                public async Task RunAsync()
                {
                    await Task.Yield();
                    {|TG2001:while|} (_running) { Step(); }
                }

                void Step() => _n++;
            }
            """);
    }

    [Fact]
    public async Task Exit_guarded_only_by_cancellation_is_still_unbounded()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Worker
            {
                int _n;
                public async Task RunAsync(CancellationToken ct)
                {
                    await Task.Yield();
                    {|TG2001:while|} (true)
                    {
                        if (ct.IsCancellationRequested) break;
                        try { _n++; }
                        catch (OperationCanceledException) { return; }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Nested_loops_over_non_constant_ranges_are_reported_once_on_the_outer_loop()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Matcher
            {
                public async Task<int> CountAsync(List<string> left, string[] right)
                {
                    await Task.Yield();
                    var n = 0;
                    {|TG2001:foreach|} (var l in left)
                    {
                        for (var i = 0; i < right.Length; i++)
                        {
                            if (l == right[i]) n++;
                        }
                    }

                    return n;
                }
            }
            """);
    }

    [Fact]
    public async Task Unbounded_inner_loop_is_reported_on_the_outermost_loop_that_does_not_await()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Worker
            {
                bool _stop;
                int _w;
                int _n;
                public async Task RunAsync(List<int> items)
                {
                    await Task.Yield();
                    {|TG2001:foreach|} (var item in items)
                    {
                        while (!_stop) { _n += item; }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Inner_loop_is_reported_when_the_outer_loop_awaits()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                int _n;
                public async Task RunAsync(int rows, int cols)
                {
                    while (true)
                    {
                        await Task.Delay(10);
                        {|TG2001:for|} (var r = 0; r < rows; r++)
                        {
                            for (var c = 0; c < cols; c++) _n++;
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Large_constant_iteration_count_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                public async Task<long> SumAsync()
                {
                    await Task.Yield();
                    long sum = 0;
                    {|TG2001:for|} (var i = 0; i < 1000; i++)
                    {
                        for (var j = 0; j < 1000; j++) sum += i * j;
                    }

                    return sum;
                }
            }
            """);
    }

    [Fact]
    public async Task Constant_limit_is_configurable()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                public async Task<long> SumAsync()
                {
                    await Task.Yield();
                    long sum = 0;
                    {|TG2001:for|} (var i = 0; i < 200; i++) sum += i;
                    return sum;
                }
            }
            """, editorConfig: "TG2001.max_constant_iterations = 100");
    }

    [Fact]
    public async Task Loop_in_async_lambda_and_async_local_function_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            class Worker
            {
                bool _stop;
                int _w;
                public Func<Task> Make() => async () =>
                {
                    await Task.Yield();
                    {|TG2001:while|} (!_stop) { _w++; }
                };

                public Task RunAsync()
                {
                    return Local();
                    async Task Local()
                    {
                        await Task.Yield();
                        {|TG2001:for|} (;;) { _w++; }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Loop_in_top_level_statements_with_await_is_reported()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System.Threading.Tasks;
                await Task.Yield();
                var n = 0;
                {|TG2001:while|} (true) { n++; }
                """,
        };
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        await test.RunAsync();
    }

    [Fact]
    public async Task Await_in_the_collection_of_a_foreach_does_not_make_its_iterations_yield()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Worker
            {
                public async Task<int> RunAsync(Task<List<int[]>> rows, int passes)
                {
                    var n = 0;
                    {|TG2001:foreach|} (var row in await rows)
                    {
                        // Not `foreach (var cell in row)`: a traversal of the row itself is linear in the input (NestedLoopCost).
                        for (var pass = 0; pass < passes; pass++) n += row.Length;
                    }

                    return n;
                }
            }
            """);
    }

    [Fact]
    public async Task Break_of_a_nested_switch_or_loop_is_not_an_exit_of_the_outer_loop()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                int _state;
                int _n;
                public async Task RunAsync()
                {
                    await Task.Yield();
                    {|TG2001:while|} (true)
                    {
                        switch (_state)
                        {
                            case 1: _n++; break;
                            default: break;
                        }
                    }
                }

                public async Task OtherAsync()
                {
                    await Task.Yield();
                    {|TG2001:while|} (true)
                    {
                        for (var i = 0; i < 4; i++) { if (i == 2) break; }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Goto_out_of_the_loop_is_an_exit()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                public async Task<int> RunAsync(int[] data)
                {
                    await Task.Yield();
                    var i = 0;
                    while (true)
                    {
                        if (data[i++] == 0) goto done;
                    }

                    done:
                    return i;
                }
            }
            """);
    }

    [Fact]
    public async Task Constant_count_of_a_large_range_or_a_collection_times_a_large_constant_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading.Tasks;
            class Worker
            {
                public async Task<long> RunAsync(List<int> items)
                {
                    await Task.Yield();
                    long sum = 0;
                    {|TG2001:foreach|} (var i in Enumerable.Range(0, 1_000_000)) sum += i;
                    {|TG2001:foreach|} (var item in items)
                    {
                        for (var j = 0; j != 20_000; j++) sum += item * j;
                    }

                    return sum;
                }
            }
            """);
    }

    [Fact]
    public async Task Constant_count_at_the_limit_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                public async Task<long> RunAsync()
                {
                    await Task.Yield();
                    long sum = 0;
                    for (var i = 1; i <= 100; i++)
                    {
                        for (var j = 0; j < 200; j += 2) sum += i * j;
                    }

                    return sum;
                }
            }
            """);
    }

    [Fact]
    public async Task Loops_inside_a_lambda_in_the_body_do_not_count_as_nested()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Worker
            {
                public async Task<int> RunAsync(List<int[]> rows, Action<Action> schedule)
                {
                    await Task.Yield();
                    var n = 0;
                    foreach (var row in rows)
                    {
                        schedule(() => { foreach (var cell in row) n += cell; });
                    }

                    return n;
                }
            }
            """);
    }

    [Fact]
    public async Task Busy_wait_in_async_code_is_left_to_TG2002()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Gate
            {
                volatile bool _ready;
                public async Task WaitAsync()
                {
                    await Task.Yield();
                    while (!_ready) { }
                    while (!_ready) Thread.SpinWait(10);
                }
            }
            """);
    }

    [Fact]
    public async Task Loop_whose_body_awaits_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Worker
            {
                public async Task RunAsync(CancellationToken ct, IAsyncEnumerable<int> source, Stream stream)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        await Task.Delay(100, ct);
                    }

                    while (true)
                    {
                        await foreach (var x in source) { }
                    }
                }

                public async Task UsingAsync(CancellationToken ct, Stream stream)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        await using var copy = new MemoryStream();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Loop_whose_condition_awaits_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Channels;
            using System.Threading.Tasks;
            class Worker
            {
                public async Task RunAsync(ChannelReader<int> reader)
                {
                    var n = 0;
                    while (await reader.WaitToReadAsync())
                    {
                        for (var i = 0; i < reader.Count; i++) n++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Single_loop_over_a_collection_or_non_constant_range_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Worker
            {
                public async Task<int> SumAsync(List<int> items, int n)
                {
                    await Task.Yield();
                    var sum = 0;
                    foreach (var item in items) sum += item;
                    for (var i = 0; i < n; i++) sum += i;
                    return sum;
                }
            }
            """);
    }

    [Fact]
    public async Task Loops_with_small_constant_bounds_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Worker
            {
                public async Task<int> SumAsync(List<int> items)
                {
                    await Task.Yield();
                    var sum = 0;
                    for (var i = 0; i < 100; i++)
                    {
                        for (var j = 100; j > 0; j--) sum += i * j;
                    }

                    foreach (var item in items)
                    {
                        foreach (var k in new[] { 1, 2, 3 }) sum += item * k;
                        for (var b = 0; b < 64; b += 8) sum += b;
                    }

                    do { sum++; } while (false);
                    return sum;
                }
            }
            """);
    }

    [Fact]
    public async Task Conditions_and_exits_that_the_body_drives_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.IO;
            using System.Threading.Tasks;
            class Node { public Node? Next; }
            class Worker
            {
                public async Task<int> RunAsync(TextReader reader, Queue<int> queue, Node? node, Stack<int> stack)
                {
                    await Task.Yield();
                    var n = 0;
                    while (true)
                    {
                        var line = reader.ReadLine();
                        if (line is null) break;
                        n += line.Length;
                    }

                    while (queue.TryDequeue(out var item)) n += item;
                    while (node is not null) node = node.Next;
                    while (stack.Count > 0) n += stack.Pop();
                    var done = false;
                    while (!done) { done = n++ > 10; }
                    return n;
                }
            }
            """);
    }

    [Fact]
    public async Task Retry_loop_with_an_unconditional_return_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            class Worker
            {
                public async Task<int> RunAsync(Func<int> work)
                {
                    await Task.Yield();
                    while (true)
                    {
                        try { return work(); }
                        catch (InvalidOperationException) { }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Loops_outside_async_context_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                bool _stop;
                int _w;
                int _n;
                public void Run()
                {
                    while (!_stop) { _n++; }
                }

                public Task RunAsync()
                {
                    for (;;) { _n++; }
                }
            }
            """);
    }

    [Fact]
    public async Task Loops_in_sync_lambdas_and_local_functions_inside_async_methods_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Worker
            {
                bool _stop;
                int _w;
                int _n;
                public async Task RunAsync()
                {
                    await Task.Run(() => { while (!_stop) { _n++; } });
                    var thread = new Thread(() => { for (;;) { _n++; } });
                    Spin();
                    void Spin() { while (true) { _n++; } }
                }
            }
            """);
    }

    [Fact]
    public async Task Async_iterator_loop_that_yields_values_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Worker
            {
                bool _stop;
                int _w;
                public async IAsyncEnumerable<int> ReadAllAsync()
                {
                    await Task.Yield();
                    var i = 0;
                    while (!_stop) yield return i++;
                }
            }
            """);
    }

    [Fact]
    public async Task Half_typed_code_does_not_throw_and_unresolved_conditions_count_as_driven()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System.Threading.Tasks;
                class Worker
                {
                    public async Task RunAsync()
                    {
                        await Task.Yield();
                        while ({|CS0103:missing|}) { }
                        {|TG2001:for|} (var i = 0; i < {|CS0103:unknown|}; i++) { while ({|CS0103:Foo|}()) { } }
                        foreach (var x in {|CS0103:nothing|}) { }
                    }
                }
                """,
        };
        await test.RunAsync();
    }
}
