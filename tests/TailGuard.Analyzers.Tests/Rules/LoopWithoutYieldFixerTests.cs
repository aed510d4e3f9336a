using Verify = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.LoopWithoutYieldAnalyzer, TailGuard.CodeFixes.LoopWithoutYieldFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class LoopWithoutYieldFixerTests
{
    [Fact]
    public async Task Fix_adds_a_counter_a_const_field_and_a_budgeted_yield_at_the_top_of_the_body()
    {
        await Verify.VerifyCodeFixAsync("""
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
            """, """
            using System.Threading.Tasks;
            class Worker
            {
                private const int YieldEvery = 1024;

                int _n;
                public async Task RunAsync()
                {
                    await Task.Delay(1);
                    var yieldCounter = 0;
                    while (true)
                    {
                        if (++yieldCounter % YieldEvery == 0) await Task.Yield();
                        _n++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_qualifies_Task_when_a_namespace_of_that_name_is_in_scope()
    {
        await Verify.VerifyCodeFixAsync("""
            namespace Jobs.Task { }
            namespace Jobs
            {
                class Worker
                {
                    int _n;
                    public async System.Threading.Tasks.Task RunAsync()
                    {
                        await System.Threading.Tasks.Task.Delay(1);
                        {|TG2001:while|} (true)
                        {
                            _n++;
                        }
                    }
                }
            }
            """, """
            namespace Jobs.Task { }
            namespace Jobs
            {
                class Worker
                {
                    private const int YieldEvery = 1024;

                    int _n;
                    public async System.Threading.Tasks.Task RunAsync()
                    {
                        await System.Threading.Tasks.Task.Delay(1);
                        var yieldCounter = 0;
                        while (true)
                        {
                            if (++yieldCounter % YieldEvery == 0) await global::System.Threading.Tasks.Task.Yield();
                            _n++;
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_gives_each_loop_its_own_counter_and_shares_one_constant_per_type()
    {
        await Verify.VerifyFixAllAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Worker
            {
                bool _stop;
                int _w;
                int _n;
                public async Task RunAsync(CancellationToken ct)
                {
                    await Task.Delay(1, ct);
                    {|TG2001:while|} (!ct.IsCancellationRequested) { _n++; }
                    {|TG2001:for|} (;;) { _n--; }
                }

                public async Task OtherAsync()
                {
                    await Task.Yield();
                    {|TG2001:do|} { _n++; } while (!_stop);
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Worker
            {
                private const int YieldEvery = 1024;

                bool _stop;
                int _w;
                int _n;
                public async Task RunAsync(CancellationToken ct)
                {
                    await Task.Delay(1, ct);
                    var yieldCounter = 0;
                    while (!ct.IsCancellationRequested) { if (++yieldCounter % YieldEvery == 0) await Task.Yield(); _n++; }
                    var yieldCounter2 = 0;
                    for (;;) { if (++yieldCounter2 % YieldEvery == 0) await Task.Yield(); _n--; }
                }

                public async Task OtherAsync()
                {
                    await Task.Yield();
                    var yieldCounter = 0;
                    do { if (++yieldCounter % YieldEvery == 0) await Task.Yield(); _n++; } while (!_stop);
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_handles_loops_in_two_types_and_an_async_lambda()
    {
        await Verify.VerifyFixAllAsync("""
            using System;
            using System.Threading.Tasks;
            class A
            {
                bool _stop;
                int _w;
                public async Task RunAsync()
                {
                    await Task.Yield();
                    {|TG2001:while|} (!_stop) { _w++; }
                }
            }

            class B
            {
                bool _stop;
                int _w;
                public Func<Task> Make() => async () =>
                {
                    await Task.Yield();
                    {|TG2001:while|} (!_stop) { _w++; }
                };
            }
            """, """
            using System;
            using System.Threading.Tasks;
            class A
            {
                private const int YieldEvery = 1024;

                bool _stop;
                int _w;
                public async Task RunAsync()
                {
                    await Task.Yield();
                    var yieldCounter = 0;
                    while (!_stop) { if (++yieldCounter % YieldEvery == 0) await Task.Yield(); _w++; }
                }
            }

            class B
            {
                private const int YieldEvery = 1024;

                bool _stop;
                int _w;
                public Func<Task> Make() => async () =>
                {
                    await Task.Yield();
                    var yieldCounter = 0;
                    while (!_stop) { if (++yieldCounter % YieldEvery == 0) await Task.Yield(); _w++; }
                };
            }
            """);
    }

    [Fact]
    public async Task Fix_wraps_an_embedded_body_in_a_block_and_declares_the_counter_before_the_enclosing_statement()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                int _n;
                public async Task RunAsync(bool go)
                {
                    await Task.Yield();
                    if (go)
                        {|TG2001:for|} (;;)
                            _n++;
                }
            }
            """, """
            using System.Threading.Tasks;
            class Worker
            {
                private const int YieldEvery = 1024;

                int _n;
                public async Task RunAsync(bool go)
                {
                    await Task.Yield();
                    var yieldCounter = 0;
                    if (go)
                        for (;;)
                        {
                            if (++yieldCounter % YieldEvery == 0) await Task.Yield();
                            _n++;
                        }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_keeps_a_one_line_embedded_body_on_one_line()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                int _n;
                public async Task RunAsync()
                {
                    await Task.Yield();
                    {|TG2001:while|} (true) _n++;
                }
            }
            """, """
            using System.Threading.Tasks;
            class Worker
            {
                private const int YieldEvery = 1024;

                int _n;
                public async Task RunAsync()
                {
                    await Task.Yield();
                    var yieldCounter = 0;
                    while (true) { if (++yieldCounter % YieldEvery == 0) await Task.Yield(); _n++; }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_avoids_names_already_in_use()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            class Worker
            {
                private const string YieldEvery = "no";
                public async Task RunAsync(int yieldCounter)
                {
                    await Task.Yield();
                    {|TG2001:while|} (true) { yieldCounter--; }
                }
            }
            """, """
            using System.Threading.Tasks;
            class Worker
            {
                private const int YieldEvery2 = 1024;

                private const string YieldEvery = "no";
                public async Task RunAsync(int yieldCounter)
                {
                    await Task.Yield();
                    var yieldCounter2 = 0;
                    while (true) { if (++yieldCounter2 % YieldEvery2 == 0) await Task.Yield(); yieldCounter--; }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_uses_the_configured_budget_and_adds_the_tasks_using_when_missing()
    {
        await Verify.VerifyCodeFixAsync("""
            class Worker
            {
                bool _stop;
                int _w;
                public async System.Threading.Tasks.Task RunAsync()
                {
                    await System.Threading.Tasks.Task.Yield();
                    {|TG2001:while|} (!_stop) { _w++; }
                }
            }
            """, """
            using System.Threading.Tasks;

            class Worker
            {
                private const int YieldEvery = 256;

                bool _stop;
                int _w;
                public async System.Threading.Tasks.Task RunAsync()
                {
                    await System.Threading.Tasks.Task.Yield();
                    var yieldCounter = 0;
                    while (!_stop) { if (++yieldCounter % YieldEvery == 0) await Task.Yield(); _w++; }
                }
            }
            """, editorConfig: "TG2001.yield_every = 256");
    }

    [Fact]
    public async Task Fix_in_top_level_statements_uses_a_local_constant()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System.Threading.Tasks;
                await Task.Yield();
                var n = 0;
                {|TG2001:while|} (true) { n++; }
                """,
            FixedCode = """
                using System.Threading.Tasks;
                await Task.Yield();
                var n = 0;
                const int YieldEvery = 1024;
                var yieldCounter = 0;
                while (true) { if (++yieldCounter % YieldEvery == 0) await Task.Yield(); n++; }
                """,
        };
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        test.FixedState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_in_a_partial_type_declared_twice_uses_a_local_constant()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            partial class Worker
            {
                bool _stop;
                int _w;
            }

            partial class Worker
            {
                public async Task RunAsync()
                {
                    await Task.Yield();
                    {|TG2001:while|} (!_stop) { _w++; }
                }
            }
            """, """
            using System.Threading.Tasks;
            partial class Worker
            {
                bool _stop;
                int _w;
            }

            partial class Worker
            {
                public async Task RunAsync()
                {
                    await Task.Yield();
                    const int YieldEvery = 1024;
                    var yieldCounter = 0;
                    while (!_stop) { if (++yieldCounter % YieldEvery == 0) await Task.Yield(); _w++; }
                }
            }
            """);
    }

    [Fact]
    public async Task No_fix_inside_a_lock_or_when_a_span_would_live_across_the_await()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System;
            using System.Threading.Tasks;
            class Worker
            {
                readonly object _gate = new();
                bool _stop;
                int _w;
                public async Task RunAsync()
                {
                    await Task.Yield();
                    lock (_gate)
                    {
                        {|TG2001:while|} (!_stop) { _w++; }
                    }
                }

                public async Task SpanAsync(byte[] data)
                {
                    await Task.Yield();
                    Span<byte> span = data;
                    {|TG2001:while|} (!_stop) { span[0]++; }
                }
            }
            """);
    }
}
