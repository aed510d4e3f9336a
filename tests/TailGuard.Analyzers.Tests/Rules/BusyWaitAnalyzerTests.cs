using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.BusyWaitAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class BusyWaitAnalyzerTests
{
    [Fact]
    public async Task Empty_loop_polling_a_flag_is_reported_on_the_keyword()
    {
        await Verify.VerifyAnalyzerAsync("""
            class Gate
            {
                volatile bool _ready;
                public void Wait()
                {
                    {|TG2002:while|} (!_ready) { }
                    {|TG2002:while|} (!_ready) ;
                }
            }
            """);
    }

    [Fact]
    public async Task Loop_with_only_spin_and_yield_hints_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Gate
            {
                volatile bool _ready;
                public void Wait(Task task)
                {
                    {|TG2002:while|} (!_ready) Thread.SpinWait(20);
                    {|TG2002:while|} (!task.IsCompleted) { Thread.Yield(); }
                    {|TG2002:do|} { Thread.Sleep(0); } while (!_ready);
                }
            }
            """);
    }

    [Fact]
    public async Task Async_spin_on_Task_Yield_or_Task_Delay_zero_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Gate
            {
                volatile bool _ready;
                public async Task WaitAsync()
                {
                    {|TG2002:while|} (!_ready) await Task.Yield();
                    {|TG2002:while|} (!_ready) { await Task.Delay(0); }
                    while (!_ready) await Task.Delay(50);
                }
            }
            """);
    }

    [Fact]
    public async Task Volatile_and_interlocked_reads_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Gate
            {
                int _state;
                long _version;
                public void Wait()
                {
                    {|TG2002:while|} (Volatile.Read(ref _state) == 0) { }
                    {|TG2002:while|} (Interlocked.CompareExchange(ref _state, 0, 0) != 1) Thread.SpinWait(1);
                    {|TG2002:while|} (Interlocked.Read(ref _version) < 10) { Interlocked.MemoryBarrier(); }
                }
            }
            """);
    }

    [Fact]
    public async Task Spin_lock_acquire_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class SpinLockish
            {
                int _taken;
                public void Enter()
                {
                    {|TG2002:while|} (Interlocked.CompareExchange(ref _taken, 1, 0) != 0) { }
                }
            }
            """);
    }

    [Fact]
    public async Task While_true_with_a_polled_exit_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Gate
            {
                volatile bool _ready;
                public int Wait(CancellationToken ct)
                {
                    {|TG2002:for|} (;;)
                    {
                        ct.ThrowIfCancellationRequested();
                        if (_ready) return 1;
                        Thread.SpinWait(10);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Call_condition_with_an_explicit_spin_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading;
            class Consumer
            {
                public int Take(ConcurrentQueue<int> queue)
                {
                    int item;
                    {|TG2002:while|} (!queue.TryDequeue(out item)) Thread.SpinWait(1);
                    return item;
                }

                public int TakeAgain(ConcurrentQueue<int> queue)
                {
                    var spinner = new SpinWait();
                    {|TG2002:for|} (;;)
                    {
                        if (queue.TryDequeue(out var item)) return item;
                        spinner.SpinOnce();
                    }
                }

                public int Drain(ConcurrentQueue<int> queue)
                {
                    var n = 0;
                    for (;;)
                    {
                        if (!queue.TryDequeue(out _)) return n;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task SpinWait_struct_without_a_deadline_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Gate
            {
                volatile bool _ready;
                public void Wait()
                {
                    var spinner = new SpinWait();
                    {|TG2002:while|} (!_ready) spinner.SpinOnce();
                }
            }
            """);
    }

    [Fact]
    public async Task SpinUntil_is_reported_in_any_code()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Gate
            {
                volatile bool _ready;
                public void Wait() => {|TG2002:SpinWait.SpinUntil|}(() => _ready);
                public bool TryWait() => {|TG2002:SpinWait.SpinUntil|}(() => _ready, 100);
            }
            """);
    }

    [Fact]
    public async Task SpinWait_struct_with_a_deadline_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Diagnostics;
            using System.Threading;
            class Gate
            {
                volatile bool _ready;
                public bool Wait(TimeSpan timeout)
                {
                    var spinner = new SpinWait();
                    var clock = Stopwatch.StartNew();
                    while (!_ready)
                    {
                        if (clock.Elapsed > timeout) return false;
                        spinner.SpinOnce();
                    }

                    return true;
                }

                public bool WaitUntil(long deadline)
                {
                    var spinner = new SpinWait();
                    while (!_ready && Environment.TickCount64 < deadline) spinner.SpinOnce();
                    return _ready;
                }

                public void SpinThenBlock(ManualResetEventSlim signal)
                {
                    var spinner = new SpinWait();
                    while (!_ready)
                    {
                        if (spinner.NextSpinWillYield) break;
                        spinner.SpinOnce();
                    }

                    signal.Wait();
                }
            }
            """);
    }

    [Fact]
    public async Task Deadline_without_a_SpinWait_struct_is_still_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Diagnostics;
            using System.Threading;
            class Gate
            {
                volatile bool _ready;
                public bool Wait(long timeoutMs)
                {
                    var clock = Stopwatch.StartNew();
                    {|TG2002:while|} (!_ready)
                    {
                        if (clock.ElapsedMilliseconds > timeoutMs) return false;
                        Thread.SpinWait(10);
                    }

                    return true;
                }
            }
            """);
    }

    [Fact]
    public async Task Loops_that_do_work_or_make_progress_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.IO;
            using System.Threading;
            class Worker
            {
                volatile bool _ready;
                int _n;
                public void Run(TextReader reader, int[] data, Queue<int> queue)
                {
                    while (reader.Read() >= 0) ;
                    var i = 0;
                    while (i < data.Length && data[i] != 0) i++;
                    while (data[i++] != 0) ;
                    for (var j = 0; j < 10; j++) ;
                    while (Interlocked.Increment(ref _n) < 100) ;
                    while (!_ready) { _n++; }
                    while (!_ready) Thread.Sleep(10);
                    while (queue.TryDequeue(out var item)) { }
                    while (false) { }
                    foreach (var x in data) { }
                }
            }
            """);
    }

    [Fact]
    public async Task Loops_with_real_waits_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Worker
            {
                volatile bool _ready;
                public async Task RunAsync(SemaphoreSlim signal, ManualResetEventSlim gate)
                {
                    while (!_ready) await signal.WaitAsync();
                    while (!_ready) gate.Wait(100);
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
                class Gate
                {
                    public void Wait()
                    {
                        while (!{|CS0103:Missing|}()) { }
                        while ({|CS0103:flag|}) {|CS0103:Unknown|}.SpinWait(1);
                        {|CS0103:SpinWait|}.SpinUntil(() => true);
                    }
                }
                """,
        };
        await test.RunAsync();
    }
}
