using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.ThreadSleepInAsyncContextAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class ThreadSleepInAsyncContextAnalyzerTests
{
    [Fact]
    public async Task Thread_sleep_in_async_method_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public async Task PollAsync()
                {
                    await Task.Yield();
                    {|TG1002:Thread.Sleep(100)|};
                    {|TG1002:Thread.Sleep(TimeSpan.FromSeconds(1))|};
                }
            }
            """);
    }

    [Fact]
    public async Task Thread_sleep_in_async_lambda_and_async_local_function_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public Func<Task> Handler => async () => { await Task.Yield(); {|TG1002:Thread.Sleep(10)|}; };

                public Task RunAsync()
                {
                    return Local();
                    async Task Local() { await Task.Yield(); {|TG1002:Thread.Sleep(10)|}; }
                }
            }
            """);
    }

    [Fact]
    public async Task Thread_sleep_in_async_method_without_await_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
            #pragma warning disable CS1998 // the snippet is about the sleep, not the missing await
                public async Task PollAsync() => {|TG1002:Thread.Sleep(5)|};
            #pragma warning restore CS1998
            }
            """);
    }

    [Fact]
    public async Task Thread_sleep_in_synchronous_code_is_not_reported_but_in_a_task_returning_method_it_is()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public void Poll() => Thread.Sleep(100);
                public Task PollAsync() { {|TG1002:Thread.Sleep(100)|}; return Task.CompletedTask; }
            }
            """);
    }

    [Fact]
    public async Task Sync_local_function_and_sync_lambda_inside_async_method_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public async Task PollAsync()
                {
                    await Task.Yield();
                    Backoff();
                    await Task.Run(() => Thread.Sleep(100));
                    Action wait = () => Thread.Sleep(5);
                    wait();

                    void Backoff() => Thread.Sleep(50);
                }
            }
            """);
    }

    [Fact]
    public async Task Other_thread_members_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Poller
            {
                public async Task PollAsync()
                {
                    await Task.Yield();
                    Thread.Yield();
                    Thread.SpinWait(10);
                }
            }
            """);
    }

    [Fact]
    public async Task Synchronous_branch_of_a_dual_sync_async_path_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Retry
            {
                public async Task BackoffAsync(bool async, int delay, CancellationToken ct)
                {
                    if (async)
                        await Task.Delay(delay, ct);
                    else
                        Thread.Sleep(delay);
                }
            }
            """);
    }

    [Fact]
    public async Task Sleep_guarded_by_another_flag_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Retry
            {
                public async Task BackoffAsync(bool fast, int delay)
                {
                    if (fast)
                        await Task.Delay(delay);
                    else
                        {|TG1002:Thread.Sleep(delay)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Sleep_on_the_async_branch_or_behind_a_combined_flag_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Retry
            {
                public async Task BackoffAsync(bool async, bool fast, int delay)
                {
                    if (async)
                        {|TG1002:Thread.Sleep(delay)|};
                    else
                        await Task.Yield();

                    if (async && fast)
                        await Task.Delay(delay);
                    else
                        {|TG1002:Thread.Sleep(delay)|};
                }
            }
            """);
    }

    [Fact]
    public async Task Top_level_sleep_before_the_first_await_is_not_reported_and_after_it_is()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System.Threading;
                using System.Threading.Tasks;
                Thread.Sleep(100);
                await Task.Delay(1);
                {|TG1002:Thread.Sleep(100)|};
                """,
            TestState = { OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication },
        };
        await test.RunAsync(CancellationToken.None);
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
            public class PollerTests
            {
                [Fact]
                public async Task Polls()
                {
                    await Task.Yield();
                    Thread.Sleep(10);
                }
            }
            """);
    }

    [Fact]
    public async Task Test_methods_are_reported_when_test_code_is_not_excluded()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public class PollerTests
            {
                [Fact]
                public async Task Polls()
                {
                    await Task.Yield();
                    {|TG1002:Thread.Sleep(10)|};
                }
            }
            """, editorConfig: "tailguard.exclude_test_code = false");
    }
}
