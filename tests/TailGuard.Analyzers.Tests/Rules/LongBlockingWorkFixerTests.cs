using Verify = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.LongBlockingWorkOnThreadPoolAnalyzer, TailGuard.CodeFixes.LongBlockingWorkFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class LongBlockingWorkFixerTests
{
    [Fact]
    public async Task Task_Run_becomes_StartNew_with_LongRunning_on_the_default_scheduler()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Collections.Concurrent;
            using System.Threading.Tasks;
            class Pump
            {
                private readonly BlockingCollection<string> _queue = new();
                public Task Start()
                {
                    return {|TG1004:Task.Run|}(() =>
                    {
                        while (true)
                        {
                            System.Console.WriteLine(_queue.Take());
                        }
                    });
                }
            }
            """, """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            class Pump
            {
                private readonly BlockingCollection<string> _queue = new();
                public Task Start()
                {
                    return Task.Factory.StartNew(() =>
                    {
                        while (true)
                        {
                            System.Console.WriteLine(_queue.Take());
                        }
                    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                }
            }
            """);
    }

    [Fact]
    public async Task Task_Run_passes_its_token_on()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public Task Start(CancellationToken token) => {|TG1004:Task.Run|}(() => Poll(token), token);

                private static void Poll(CancellationToken token)
                {
                    while (!token.IsCancellationRequested)
                    {
                        Thread.Sleep(100);
                    }
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public Task Start(CancellationToken token) => Task.Factory.StartNew(() => Poll(token), token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

                private static void Poll(CancellationToken token)
                {
                    while (!token.IsCancellationRequested)
                    {
                        Thread.Sleep(100);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Task_Run_of_a_method_group_with_a_result_keeps_its_type()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Counter
            {
                public Task<int> Start() => {|TG1004:Task.Run|}(Count);

                private static int Count()
                {
                    var n = 0;
                    for (var i = 0; i < 10; i++)
                    {
                        Thread.Sleep(10);
                        n++;
                    }

                    return n;
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Counter
            {
                public Task<int> Start() => Task.Factory.StartNew(Count, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

                private static int Count()
                {
                    var n = 0;
                    for (var i = 0; i < 10; i++)
                    {
                        Thread.Sleep(10);
                        n++;
                    }

                    return n;
                }
            }
            """);
    }

    [Fact]
    public async Task StartNew_without_options_gets_LongRunning()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start() => {|TG1004:Task.Factory.StartNew|}(() => { while (true) { Thread.Sleep(10); } });
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start() => Task.Factory.StartNew(() => { while (true) { Thread.Sleep(10); } }, TaskCreationOptions.LongRunning);
            }
            """);
    }

    [Fact]
    public async Task StartNew_options_are_merged_with_LongRunning()
    {
        await Verify.VerifyFixAllAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start(CancellationToken token)
                {
                    {|TG1004:Task.Factory.StartNew|}(() => { while (true) { Thread.Sleep(10); } }, TaskCreationOptions.DenyChildAttach);
                    {|TG1004:Task.Factory.StartNew|}(() => { while (true) { Thread.Sleep(10); } }, TaskCreationOptions.None);
                    {|TG1004:Task.Factory.StartNew|}(() => { while (true) { Thread.Sleep(10); } }, token, TaskCreationOptions.PreferFairness, TaskScheduler.Current);
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start(CancellationToken token)
                {
                    Task.Factory.StartNew(() => { while (true) { Thread.Sleep(10); } }, TaskCreationOptions.DenyChildAttach | TaskCreationOptions.LongRunning);
                    Task.Factory.StartNew(() => { while (true) { Thread.Sleep(10); } }, TaskCreationOptions.LongRunning);
                    Task.Factory.StartNew(() => { while (true) { Thread.Sleep(10); } }, token, TaskCreationOptions.PreferFairness | TaskCreationOptions.LongRunning, TaskScheduler.Current);
                }
            }
            """);
    }

    [Fact]
    public async Task StartNew_with_a_token_and_state_gets_the_full_overload()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public Task Start(CancellationToken token) =>
                    {|TG1004:Task.Factory.StartNew|}(state => { while (true) { Thread.Sleep((int)state!); } }, 10, token);
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public Task Start(CancellationToken token) =>
                    Task.Factory.StartNew(state => { while (true) { Thread.Sleep((int)state!); } }, 10, token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            """);
    }

    [Fact]
    public async Task QueueUserWorkItem_becomes_a_dedicated_background_thread()
    {
        await Verify.VerifyFixAllAsync("""
            using System.Threading;
            class Workers
            {
                public void Start()
                {
                    {|TG1004:ThreadPool.QueueUserWorkItem|}(_ => { while (true) { Thread.Sleep(10); } });
                    {|TG1004:ThreadPool.QueueUserWorkItem|}(Loop, 25);
                }

                private static void Loop(object? state)
                {
                    while (true) { Thread.Sleep((int)state!); }
                }
            }
            """, """
            using System.Threading;
            class Workers
            {
                public void Start()
                {
                    new Thread(_ => { while (true) { Thread.Sleep(10); } }) { IsBackground = true }.Start();
                    new Thread(Loop) { IsBackground = true }.Start(25);
                }

                private static void Loop(object? state)
                {
                    while (true) { Thread.Sleep((int)state!); }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_rewrites_every_work_item_in_the_document()
    {
        await Verify.VerifyFixAllAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start(CancellationToken token)
                {
                    {|TG1004:Task.Run|}(() => { while (!token.IsCancellationRequested) { Thread.Sleep(10); } });
                    {|TG1004:Task.Run|}(() => { while (true) { Thread.Sleep(20); } }, token);
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                public void Start(CancellationToken token)
                {
                    Task.Factory.StartNew(() => { while (!token.IsCancellationRequested) { Thread.Sleep(10); } }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                    Task.Factory.StartNew(() => { while (true) { Thread.Sleep(20); } }, token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                }
            }
            """);
    }

    [Fact]
    public async Task An_async_body_gets_no_fix_because_LongRunning_ends_at_the_first_await()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Pump
            {
                public Task Start(CancellationToken token) => {|TG1004:Task.Run|}(async () =>
                {
                    while (!token.IsCancellationRequested)
                    {
                        await Task.Yield();
                        Thread.Sleep(100);
                    }
                });
            }
            """);
    }

    [Fact]
    public async Task A_body_that_returns_a_task_gets_no_fix()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Pump
            {
                public Task Start(Task next) => {|TG1004:Task.Run|}(() =>
                {
                    for (var i = 0; i < 10; i++)
                    {
                        Thread.Sleep(100);
                    }

                    return next;
                });
            }
            """);
    }

    [Fact]
    public async Task A_custom_factory_with_a_token_gets_no_fix_because_its_scheduler_is_unknown()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Workers
            {
                private readonly TaskFactory _factory = new(TaskScheduler.Current);
                public Task Start(CancellationToken token) => {|TG1004:_factory.StartNew|}(() => { while (true) { Thread.Sleep(10); } }, token);
            }
            """);
    }
}
