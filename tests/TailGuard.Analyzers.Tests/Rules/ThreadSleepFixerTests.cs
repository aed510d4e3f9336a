using Verify = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.ThreadSleepInAsyncContextAnalyzer, TailGuard.CodeFixes.ThreadSleepFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class ThreadSleepFixerTests
{
    [Fact]
    public async Task Sleep_becomes_an_awaited_delay()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public async Task PollAsync()
                {
                    await Task.Yield();
                    {|TG1002:Thread.Sleep(100)|};
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public async Task PollAsync()
                {
                    await Task.Yield();
                    await Task.Delay(100);
                }
            }
            """);
    }

    [Fact]
    public async Task The_methods_cancellation_token_is_passed()
    {
        await Verify.VerifyCodeFixAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public async Task PollAsync(int attempt, CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    {|TG1002:Thread.Sleep(TimeSpan.FromMilliseconds(50 * attempt))|}; // back off
                }
            }
            """, """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public async Task PollAsync(int attempt, CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken); // back off
                }
            }
            """);
    }

    [Fact]
    public async Task An_async_lambda_uses_the_token_of_the_method_around_it()
    {
        await Verify.VerifyCodeFixAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public Func<Task> Make(CancellationToken ct) => async () => {|TG1002:Thread.Sleep(10)|};
            }
            """, """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public Func<Task> Make(CancellationToken ct) => async () => await Task.Delay(10, ct);
            }
            """);
    }

    [Fact]
    public async Task Sleep_zero_becomes_a_yield()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Spinner
            {
                public async Task SpinAsync(CancellationToken ct)
                {
                    await Task.Yield();
                    {|TG1002:Thread.Sleep(0)|};
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Spinner
            {
                public async Task SpinAsync(CancellationToken ct)
                {
                    await Task.Yield();
                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task The_tasks_namespace_is_imported_when_missing()
    {
        await Verify.VerifyCodeFixAsync("""
            using System;
            using System.Threading;
            class Poller
            {
            #pragma warning disable CS1998 // the fix adds the await
                public async void OnTick() => {|TG1002:Thread.Sleep(100)|};
            #pragma warning restore CS1998
            }
            """, """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
            #pragma warning disable CS1998 // the fix adds the await
                public async void OnTick() => await Task.Delay(100);
            #pragma warning restore CS1998
            }
            """);
    }

    [Fact]
    public async Task Another_type_named_Task_in_scope_gets_the_qualified_name()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading;
            namespace Jobs
            {
                class Task { }
                class Poller
                {
                    public async System.Threading.Tasks.Task PollAsync()
                    {
                        await System.Threading.Tasks.Task.Yield();
                        {|TG1002:Thread.Sleep(100)|};
                    }
                }
            }
            """, """
            using System.Threading;
            namespace Jobs
            {
                class Task { }
                class Poller
                {
                    public async System.Threading.Tasks.Task PollAsync()
                    {
                        await System.Threading.Tasks.Task.Yield();
                        await global::System.Threading.Tasks.Task.Delay(100);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_qualifies_Task_when_a_namespace_of_that_name_is_in_scope()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading;
            namespace Jobs.Task { }
            namespace Jobs
            {
                class Poller
                {
                    public async System.Threading.Tasks.Task PollAsync()
                    {
                        await System.Threading.Tasks.Task.Yield();
                        {|TG1002:Thread.Sleep(100)|};
                    }
                }
            }
            """, """
            using System.Threading;
            namespace Jobs.Task { }
            namespace Jobs
            {
                class Poller
                {
                    public async System.Threading.Tasks.Task PollAsync()
                    {
                        await System.Threading.Tasks.Task.Yield();
                        await global::System.Threading.Tasks.Task.Delay(100);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task No_fix_inside_a_lock()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                private readonly object _gate = new();
                public async Task PollAsync()
                {
                    await Task.Yield();
                    lock (_gate)
                    {
                        {|TG1002:Thread.Sleep(100)|};
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_rewrites_every_sleep_in_the_document()
    {
        await Verify.VerifyFixAllAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public async Task PollAsync(CancellationToken ct)
                {
                    await Task.Yield();
                    {|TG1002:Thread.Sleep(10)|};
                    {|TG1002:Thread.Sleep(20)|};
                }

                public async Task RetryAsync()
                {
                    await Task.Yield();
                    {|TG1002:Thread.Sleep(30)|};
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public async Task PollAsync(CancellationToken ct)
                {
                    await Task.Yield();
                    await Task.Delay(10, ct);
                    await Task.Delay(20, ct);
                }

                public async Task RetryAsync()
                {
                    await Task.Yield();
                    await Task.Delay(30);
                }
            }
            """);
    }
}
