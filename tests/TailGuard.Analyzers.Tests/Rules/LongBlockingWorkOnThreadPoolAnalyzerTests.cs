using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.LongBlockingWorkOnThreadPoolAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class LongBlockingWorkOnThreadPoolAnalyzerTests
{
    [Fact]
    public async Task Task_Run_with_a_consumer_loop_over_BlockingCollection_Take_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading.Tasks;
            class Pump
            {
                private readonly BlockingCollection<string> _queue = new();
                public Task Start() => {|#0:Task.Run|}(() =>
                {
                    while (true)
                    {
                        Handle(_queue.Take());
                    }
                });
                private static void Handle(string item) { }
            }
            """,
            Verify.Diagnostic("TG1004").WithLocation(0).WithArguments("Task.Run", "the loop blocks in 'BlockingCollection.Take'"));
    }

    [Fact]
    public async Task Foreach_over_GetConsumingEnumerable_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading.Tasks;
            class Pump
            {
                private readonly BlockingCollection<string> _queue = new();
                public Task Start() => {|TG1004:Task.Run|}(() =>
                {
                    foreach (var item in _queue.GetConsumingEnumerable())
                    {
                        System.Console.WriteLine(item);
                    }
                });
            }
            """);
    }

    [Fact]
    public async Task A_loop_until_cancellation_is_reported_as_never_ending()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                private int _ticks;
                public Task Start(CancellationToken token) => {|#0:Task.Run|}(() =>
                {
                    while (!token.IsCancellationRequested)
                    {
                        _ticks++;
                    }
                });
            }
            """,
            Verify.Diagnostic("TG1004").WithLocation(0).WithArguments("Task.Run", "the loop never ends"));
    }

    [Fact]
    public async Task For_ever_and_while_on_an_outside_flag_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Spinner
            {
                private volatile bool _running = true;
                private int _count;
                public void Start()
                {
                    {|TG1004:Task.Run|}(() => { for (;;) { _count++; } });
                    {|TG1004:Task.Run|}(() => { while (_running) { _count++; } });
                }
            }
            """);
    }

    [Fact]
    public async Task Loops_around_sleep_task_waits_and_blocking_io_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start(Stream stream, Task pending, SemaphoreSlim gate, int[] items)
                {
                    {|TG1004:Task.Run|}(() => { foreach (var i in items) { Thread.Sleep(i); } });
                    {|TG1004:Task.Run|}(() => { for (var i = 0; i < items.Length; i++) { pending.Wait(); } });
                    {|TG1004:Task.Run|}(() => { var buffer = new byte[10]; while (stream.Read(buffer, 0, 10) > 0) { } });
                    {|TG1004:Task.Run|}(() => { foreach (var i in items) { gate.Wait(); gate.Release(); } });
                }
            }
            """);
    }

    [Fact]
    public async Task TryTake_with_an_infinite_timeout_is_blocking_but_without_a_timeout_is_not()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            class Pump
            {
                private readonly BlockingCollection<int> _queue = new();
                private int _sum;
                public void Start()
                {
                    {|TG1004:Task.Run|}(() => { while (_queue.TryTake(out var item, Timeout.Infinite)) { _sum += item; } });
                    Task.Run(() => { while (_queue.TryTake(out var item)) { _sum += item; } });
                    Task.Run(() => { while (_queue.TryTake(out var item, 0)) { _sum += item; } });
                }
            }
            """);
    }

    [Fact]
    public async Task Task_Factory_StartNew_and_QueueUserWorkItem_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start()
                {
                    {|#0:Task.Factory.StartNew|}(() => { while (true) { Thread.Sleep(1000); } });
                    {|TG1004:Task.Factory.StartNew|}(() => { while (true) { Thread.Sleep(1000); } }, TaskCreationOptions.DenyChildAttach);
                    {|#1:ThreadPool.QueueUserWorkItem|}(_ => { while (true) { Thread.Sleep(1000); } });
                    {|TG1004:ThreadPool.UnsafeQueueUserWorkItem|}(_ => { while (true) { Thread.Sleep(1000); } }, null);
                }
            }
            """,
            Verify.Diagnostic("TG1004").WithLocation(0).WithArguments("TaskFactory.StartNew", "the loop blocks in 'Thread.Sleep'"),
            Verify.Diagnostic("TG1004").WithLocation(1).WithArguments("ThreadPool.QueueUserWorkItem", "the loop blocks in 'Thread.Sleep'"));
    }

    [Fact]
    public async Task A_method_group_to_a_source_method_is_followed()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start()
                {
                    {|TG1004:Task.Run|}(Loop);
                    {|TG1004:ThreadPool.QueueUserWorkItem|}(Callback);
                    {|TG1004:Task.Run|}(LocalLoop);

                    void LocalLoop()
                    {
                        while (true) { Thread.Sleep(10); }
                    }
                }

                private static void Loop()
                {
                    while (true) { Thread.Sleep(10); }
                }

                private static void Callback(object? state)
                {
                    for (;;) { Thread.Sleep(10); }
                }
            }
            """);
    }

    [Fact]
    public async Task A_method_group_to_a_method_in_another_file_is_followed()
    {
        var test = new Verify.Test();
        test.TestState.Sources.Add(("/Start.cs", """
            using System.Threading.Tasks;
            partial class Workers
            {
                public Task Start() => {|TG1004:Task.Run|}(Loop);
            }
            """));
        test.TestState.Sources.Add(("/Loop.cs", """
            using System.Threading;
            partial class Workers
            {
                private static void Loop()
                {
                    while (true) { Thread.Sleep(10); }
                }
            }
            """));
        await test.RunAsync();
    }

    [Fact]
    public async Task A_lambda_that_only_calls_a_source_method_is_followed_into_it()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public Task Start(CancellationToken token) => {|TG1004:Task.Run|}(() => Consume(token));

                private static void Consume(CancellationToken token)
                {
                    while (!token.IsCancellationRequested)
                    {
                        Thread.Sleep(10);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LongRunning_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start(CancellationToken token)
                {
                    Task.Factory.StartNew(() => { while (true) { Thread.Sleep(1000); } }, TaskCreationOptions.LongRunning);
                    Task.Factory.StartNew(() => { while (true) { Thread.Sleep(1000); } }, token,
                        TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
                }
            }
            """);
    }

    [Fact]
    public async Task Options_computed_at_run_time_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start(TaskCreationOptions options) =>
                    Task.Factory.StartNew(() => { while (true) { Thread.Sleep(1000); } }, options);
            }
            """);
    }

    [Fact]
    public async Task An_async_lambda_that_awaits_in_its_loop_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            class Pump
            {
                private readonly Channel<int> _channel = Channel.CreateUnbounded<int>();
                private int _sum;
                public Task Start(CancellationToken token) => Task.Run(async () =>
                {
                    while (!token.IsCancellationRequested)
                    {
                        _sum += await _channel.Reader.ReadAsync(token);
                        await Task.Delay(100, token);
                    }
                });
            }
            """);
    }

    [Fact]
    public async Task An_async_lambda_that_also_blocks_in_its_loop_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Pump
            {
                public Task Start(CancellationToken token) => {|#0:Task.Run|}(async () =>
                {
                    while (!token.IsCancellationRequested)
                    {
                        await Task.Yield();
                        Thread.Sleep(100);
                    }
                });
            }
            """,
            Verify.Diagnostic("TG1004").WithLocation(0).WithArguments("Task.Run", "the loop blocks in 'Thread.Sleep'"));
    }

    [Fact]
    public async Task An_async_lambda_whose_endless_loop_never_awaits_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Spinner
            {
                private int _count;
                public Task Start() => {|TG1004:Task.Run|}(async () =>
                {
                    await Task.Yield();
                    while (true) { _count++; }
                });
            }
            """);
    }

    [Fact]
    public async Task Bounded_loops_without_blocking_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Batch
            {
                private readonly ConcurrentQueue<int> _queue = new();
                private readonly Queue<int> _local = new();
                private bool _done;
                public void Start(int[] items)
                {
                    Task.Run(() => { var sum = 0; for (var i = 0; i < items.Length; i++) { sum += items[i]; } return sum; });
                    Task.Run(() => { while (_queue.TryDequeue(out var item)) { _ = item; } });
                    Task.Run(() => { while (_local.Count > 0) { _local.Dequeue(); } });
                    Task.Run(() => { while (!_done) { _done = _local.Count == 0; } });
                    Task.Run(() => { var n = 0; while (true) { if (++n > 10) { break; } } });
                }
            }
            """);
    }

    [Fact]
    public async Task An_endless_loop_that_exits_only_on_cancellation_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                private int _ticks;
                public Task Start(CancellationToken token) => {|TG1004:Task.Run|}(() =>
                {
                    while (true)
                    {
                        if (token.IsCancellationRequested)
                        {
                            break;
                        }

                        try { _ticks++; }
                        catch (OperationCanceledException) { return; }
                    }
                });
            }
            """);
    }

    [Fact]
    public async Task A_single_blocking_call_without_a_loop_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public Task Start(Task pending) => Task.Run(() => { Thread.Sleep(10); pending.Wait(); });
            }
            """);
    }

    [Fact]
    public async Task A_loop_inside_a_nested_lambda_is_not_the_work_item_body()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public Task<Action> Start() => Task.Run(() => new Action(() => { while (true) { Thread.Sleep(10); } }));
            }
            """);
    }

    [Fact]
    public async Task Loops_outside_a_work_item_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Workers
            {
                public void Run()
                {
                    while (true) { Thread.Sleep(10); }
                }
            }
            """);
    }

    [Fact]
    public async Task Test_methods_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public class PumpTests
            {
                [Fact]
                public void Spins() => Task.Run(() => { while (true) { Thread.Sleep(10); } });
            }
            """);
    }

    [Fact]
    public async Task Half_typed_code_never_makes_the_analyzer_throw()
    {
        await TruncatedSource.AssertAnalyzerNeverThrowsAsync(new LongBlockingWorkOnThreadPoolAnalyzer(), """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            class Pump
            {
                private readonly BlockingCollection<int> _queue = new();
                private volatile bool _running = true;
                public void Start(CancellationToken token)
                {
                    Task.Run(() => { while (true) { _queue.Take(); } });
                    Task.Run(() => Loop(token), token);
                    Task.Factory.StartNew(() => { for (;;) { if (token.IsCancellationRequested) break; } }, TaskCreationOptions.None);
                    ThreadPool.QueueUserWorkItem(_ => { while (_running) { _queue.TryTake(out var x, -1); } });
                    Task.Run(async () => { while (!token.IsCancellationRequested) { await Task.Delay(1); Thread.Sleep(1); } });
                    Task.Run(Loop2);
                }

                private void Loop(CancellationToken token)
                {
                    foreach (var item in _queue.GetConsumingEnumerable(token)) { }
                }

                private void Loop2() { do { Thread.Sleep(1); } while (_running); }
            }
            """);
    }
}
