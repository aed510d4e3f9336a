using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.BlockingWhileHoldingLockAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class BlockingWhileHoldingLockAnalyzerTests
{
    [Fact]
    public async Task Task_wait_inside_a_lock_statement_is_reported_and_names_the_lock()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Cache
            {
                private readonly object _gate = new();
                private Task<int> _load = Task.FromResult(1);
                public int Get()
                {
                    lock (_gate)
                    {
                        return {|#0:_load.Result|};
                    }
                }
            }
            """,
            Verify.Diagnostic("TG1006").WithLocation(0).WithArguments("Task.Result", "_gate"));
    }

    [Fact]
    public async Task Result_of_a_task_known_complete_inside_a_lock_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Cache
            {
                private readonly object _gate = new();
                public int Get(Task<int> load)
                {
                    lock (_gate)
                    {
                        if (load.IsCompletedSuccessfully)
                        {
                            return load.Result;
                        }

                        return -1;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Result_behind_a_guard_on_another_task_inside_a_lock_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Cache
            {
                private readonly object _gate = new();
                public int Get(Task<int> load, Task<int> other)
                {
                    lock (_gate)
                    {
                        if (other.IsCompletedSuccessfully)
                        {
                            return {|TG1006:load.Result|};
                        }

                        return -1;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Every_blocking_shape_inside_a_lock_is_reported_in_sync_code()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Store
            {
                private readonly object _gate = new();
                public void Save(Task pending, Task flushed, Task[] batch, Stream stream, byte[] buffer, SemaphoreSlim semaphore, ManualResetEventSlim ready)
                {
                    lock (_gate)
                    {
                        // Distinct tasks: a second wait on one already waited for returns at once (the TG1001 facts).
                        {|TG1006:pending.Wait()|};
                        {|TG1006:flushed.GetAwaiter().GetResult()|};
                        {|TG1006:Thread.Sleep(10)|};
                        {|TG1006:stream.Write(buffer, 0, buffer.Length)|};
                        {|TG1006:semaphore.Wait()|};
                        {|TG1006:ready.Wait()|};
                        {|TG1006:Task.WaitAll(batch)|};
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Blocking_inside_a_lock_in_an_async_method_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Store
            {
                private readonly object _gate = new();
                public async Task SaveAsync(Stream stream, byte[] buffer)
                {
                    await Task.Yield();
                    lock (_gate)
                    {
                        {|TG1006:stream.Flush()|};
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Blocking_between_Monitor_Enter_and_Exit_in_try_finally_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Cache
            {
                private readonly object _gate = new();
                public int Get(Task<int> load)
                {
                    Monitor.Enter(_gate);
                    try
                    {
                        return {|#0:load.Result|};
                    }
                    finally
                    {
                        Monitor.Exit(_gate);
                    }
                }
            }
            """,
            Verify.Diagnostic("TG1006").WithLocation(0).WithArguments("Task.Result", "_gate"));
    }

    [Fact]
    public async Task Blocking_after_Monitor_Enter_with_lockTaken_inside_try_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Worker
            {
                private readonly object _gate = new();
                public void Run()
                {
                    var taken = false;
                    try
                    {
                        Monitor.Enter(_gate, ref taken);
                        {|TG1006:Thread.Sleep(100)|};
                    }
                    finally
                    {
                        if (taken)
                        {
                            Monitor.Exit(_gate);
                        }
                    }

                    Thread.Sleep(100);
                }
            }
            """);
    }

    [Fact]
    public async Task Blocking_inside_a_successful_Monitor_TryEnter_is_reported_but_not_in_the_else_branch()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Worker
            {
                private readonly object _gate = new();
                public void Run()
                {
                    if (Monitor.TryEnter(_gate, 50))
                    {
                        try
                        {
                            {|TG1006:Thread.Sleep(100)|};
                        }
                        finally
                        {
                            Monitor.Exit(_gate);
                        }
                    }
                    else
                    {
                        Thread.Sleep(10);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task The_branch_where_TryEnter_failed_is_not_inside_the_lock()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Worker
            {
                private readonly Lock _lock = new();
                private readonly object _gate = new();
                public void Run()
                {
                    if (!_lock.TryEnter())
                    {
                        Thread.Sleep(10);
                        return;
                    }

                    try
                    {
                        {|#0:Thread.Sleep(100)|};
                    }
                    finally
                    {
                        _lock.Exit();
                    }

                    while (!Monitor.TryEnter(_gate, 10))
                    {
                        Thread.Sleep(1);
                    }

                    {|#1:Thread.Sleep(100)|};
                    Monitor.Exit(_gate);
                }
            }
            """,
            Verify.Diagnostic("TG1006").WithLocation(0).WithArguments("Thread.Sleep", "_lock"),
            Verify.Diagnostic("TG1006").WithLocation(1).WithArguments("Thread.Sleep", "_gate"));
    }

    [Fact]
    public async Task Blocking_after_Monitor_Exit_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Worker
            {
                private readonly object _gate = new();
                private int _count;
                public void Run()
                {
                    Monitor.Enter(_gate);
                    _count++;
                    Monitor.Exit(_gate);
                    Thread.Sleep(100);
                }
            }
            """);
    }

    [Fact]
    public async Task Blocking_inside_a_System_Threading_Lock_lock_statement_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Cache
            {
                private readonly Lock _lock = new();
                public void Refresh(Task pending)
                {
                    lock (_lock)
                    {
                        {|#0:pending.Wait()|};
                    }
                }
            }
            """,
            Verify.Diagnostic("TG1006").WithLocation(0).WithArguments("Task.Wait", "_lock"));
    }

    [Fact]
    public async Task A_call_that_another_blocking_rule_reports_keeps_both_diagnostics()
    {
        var test = new WithSynchronousApiRule
        {
            TestCode = """
                using System.Threading;
                using System.Threading.Tasks;
                class Cache
                {
                    private readonly object _gate = new();
                    public async Task RefreshAsync(SemaphoreSlim semaphore)
                    {
                        await Task.Yield();
                        lock (_gate)
                        {
                            {|TG1003:{|TG1006:semaphore.Wait()|}|};
                        }
                    }
                }
                """,
        };
        await test.RunAsync();
    }

    private sealed class WithSynchronousApiRule : CSharpAnalyzerTest<BlockingWhileHoldingLockAnalyzer, DefaultVerifier>
    {
        public WithSynchronousApiRule()
        {
            ReferenceAssemblies = TestReferences.None;
            TestState.AdditionalReferences.AddRange(TestReferences.Net100);
        }

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers()
            => [new BlockingWhileHoldingLockAnalyzer(), new SynchronousApiInAsyncContextAnalyzer()];
    }

    [Fact]
    public async Task Blocking_inside_a_Lock_EnterScope_using_statement_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Cache
            {
                private readonly Lock _lock = new();
                public void Refresh()
                {
                    using (_lock.EnterScope())
                    {
                        {|TG1006:Thread.Sleep(5)|};
                    }

                    Thread.Sleep(5);
                }
            }
            """);
    }

    [Fact]
    public async Task Blocking_after_a_Lock_EnterScope_using_declaration_is_reported_until_the_end_of_the_block()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Cache
            {
                private readonly Lock _lock = new();
                public void Refresh(bool slow)
                {
                    if (slow)
                    {
                        using var scope = _lock.EnterScope();
                        {|TG1006:Thread.Sleep(5)|};
                    }

                    Thread.Sleep(5);
                }
            }
            """);
    }

    [Fact]
    public async Task Blocking_between_Lock_Enter_and_Lock_Exit_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Cache
            {
                private readonly Lock _lock = new();
                public void Refresh()
                {
                    _lock.Enter();
                    try
                    {
                        {|#0:Thread.Sleep(5)|};
                    }
                    finally
                    {
                        _lock.Exit();
                    }

                    Thread.Sleep(5);
                }
            }
            """,
            Verify.Diagnostic("TG1006").WithLocation(0).WithArguments("Thread.Sleep", "_lock"));
    }

    [Fact]
    public async Task Nested_locks_name_the_innermost_lock_and_report_once()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Cache
            {
                private readonly object _outer = new();
                private readonly object _inner = new();
                public void Refresh()
                {
                    lock (_outer)
                    {
                        lock (this._inner)
                        {
                            {|#0:Thread.Sleep(5)|};
                        }

                        {|#1:Thread.Sleep(5)|};
                    }
                }
            }
            """,
            Verify.Diagnostic("TG1006").WithLocation(0).WithArguments("Thread.Sleep", "_inner"),
            Verify.Diagnostic("TG1006").WithLocation(1).WithArguments("Thread.Sleep", "_outer"));
    }

    [Fact]
    public async Task Lambdas_and_local_functions_inside_a_lock_are_not_inside_the_lock()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Scheduler
            {
                private readonly object _gate = new();
                private Action? _next;
                public Task Schedule(Task<int> pending)
                {
                    lock (_gate)
                    {
                        _next = () => Thread.Sleep(5);
                        Func<int> read = delegate { return pending.Result; };
                        void Later() => pending.Wait();
                        _next += Later;
                        return Task.Run(() => pending.Result);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task A_lock_inside_a_lambda_is_analyzed()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Scheduler
            {
                private readonly object _gate = new();
                public Task Start() => Task.Run(() =>
                {
                    lock (_gate)
                    {
                        {|TG1006:Thread.Sleep(5)|};
                    }
                });
            }
            """);
    }

    [Fact]
    public async Task Monitor_Wait_on_the_held_lock_releases_it_and_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading;
            class Channel
            {
                private readonly object _gate = new();
                private readonly Queue<int> _items = new();
                public int Take()
                {
                    lock (_gate)
                    {
                        while (_items.Count == 0)
                        {
                            Monitor.Wait(_gate);
                        }

                        return _items.Dequeue();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Monitor_Wait_on_an_inner_lock_still_blocks_the_outer_lock()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            class Channel
            {
                private readonly object _outer = new();
                private readonly object _inner = new();
                public void Take()
                {
                    lock (_outer)
                    {
                        lock (_inner)
                        {
                            {|#0:Monitor.Wait(_inner)|};
                        }
                    }
                }
            }
            """,
            Verify.Diagnostic("TG1006").WithLocation(0).WithArguments("Monitor.Wait", "_outer"));
    }

    [Fact]
    public async Task Non_blocking_calls_inside_a_lock_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Cache
            {
                private readonly object _gate = new();
                public string Snapshot(MemoryStream buffer, SemaphoreSlim semaphore, Task<int> pending)
                {
                    lock (_gate)
                    {
                        buffer.Write(new byte[4], 0, 4);
                        semaphore.Wait(0);
                        var name = nameof(pending.Result);
                        return name + new StringReader("x").ReadToEnd();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Blocking_outside_any_lock_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Cache
            {
                private readonly object _gate = new();
                private int _count;
                public int Get(Task<int> load)
                {
                    lock (_gate)
                    {
                        _count++;
                    }

                    Thread.Sleep(1);
                    return load.Result;
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
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public class CacheTests
            {
                private readonly object _gate = new();
                [Fact]
                public void Holds_the_lock()
                {
                    lock (_gate)
                    {
                        Thread.Sleep(5);
                    }
                }
            }
            """);
    }

    [Fact]
    public void No_code_fix_in_the_package_offers_a_fix_for_blocking_inside_a_lock()
    {
        var providers = typeof(TailGuard.CodeFixes.LongBlockingWorkFixer).Assembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(type))
            .Select(type => (CodeFixProvider)Activator.CreateInstance(type)!)
            .ToList();
        Assert.NotEmpty(providers);
        Assert.DoesNotContain(providers, provider => provider.FixableDiagnosticIds.Contains(RuleIds.BlockingWhileHoldingLock));
    }

    [Fact]
    public async Task Half_typed_code_never_makes_the_analyzer_throw()
    {
        await TruncatedSource.AssertAnalyzerNeverThrowsAsync(new BlockingWhileHoldingLockAnalyzer(), """
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            class Cache
            {
                private readonly object _gate = new();
                private readonly Lock _lock = new();
                public int Get(Task<int> load, Stream stream)
                {
                    lock (_gate)
                    {
                        stream.Flush();
                        Monitor.Wait(_gate);
                    }

                    Monitor.Enter(_gate);
                    try { load.Wait(); } finally { Monitor.Exit(_gate); }
                    using (_lock.EnterScope()) { Thread.Sleep(1); }
                    using var scope = _lock.EnterScope();
                    _lock.Enter();
                    System.Action a = () => { lock (_gate) { load.Wait(); } };
                    _lock.Exit();
                    return load.Result;
                }
            }
            """);
    }
}
