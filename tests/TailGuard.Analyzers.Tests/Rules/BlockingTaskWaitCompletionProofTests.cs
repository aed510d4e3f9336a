using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.BlockingTaskWaitAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

/// <summary>
/// Issue 13's completion proofs for TG1001, in the shapes clients and drivers write them. The methods are named so that none is a
/// synchronous bridge (no async twin, no wait-helper name): each test is about the proof, not the bridge.
/// </summary>
public sealed class BlockingTaskWaitCompletionProofTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    private static Task VerifyAsync(string source) => Verify.VerifyAnalyzerAsync(Usings + source);

    [Fact]
    public async Task A_timed_wait_that_throws_inside_a_try_whose_catches_rethrow_proves_completion()
    {
        await VerifyAsync("""
            public sealed class Server
            {
                public T Execute<T>(Task<T> task, int timeoutMs)
                {
                    try
                    {
                        if (!{|TG1001:task.Wait(timeoutMs)|})
                        {
                            throw new TimeoutException();
                        }
                    }
                    catch (AggregateException e) when (e.InnerExceptions.Count == 1)
                    {
                        throw e.InnerExceptions[0];
                    }

                    return task.Result;
                }
            }
            """);
    }

    [Fact]
    public async Task A_catch_that_swallows_leaves_the_read_reported()
    {
        await VerifyAsync("""
            public sealed class Server
            {
                public T Execute<T>(Task<T> task, int timeoutMs)
                {
                    try
                    {
                        if (!{|TG1001:task.Wait(timeoutMs)|})
                        {
                            throw new TimeoutException();
                        }
                    }
                    catch (TimeoutException)
                    {
                        Console.WriteLine("timed out");
                    }

                    return {|TG1001:task.Result|};
                }
            }
            """);
    }

    [Fact]
    public async Task A_switch_on_the_status_proves_completion_in_final_cases_only()
    {
        await VerifyAsync("""
            public sealed class Message
            {
                public string Describe(Task<int> reply)
                {
                    switch (reply.Status)
                    {
                        case TaskStatus.RanToCompletion:
                            return "ok " + reply.Result;
                        case TaskStatus.Faulted:
                        case TaskStatus.Canceled:
                            return reply.Exception?.Message ?? "canceled " + reply.Result;
                        case TaskStatus.Running:
                            return "running " + {|TG1001:reply.Result|};
                        default:
                            return "pending " + {|TG1001:reply.Result|};
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task A_constant_false_flag_through_a_conditional_is_the_synchronous_path()
    {
        await VerifyAsync("""
            public sealed class Reader
            {
                public int Consume(bool simple)
                    => (simple ? ReadSimple(async: false) : ReadExtended(async: false)).GetAwaiter().GetResult()
                        + ReadSimple(async: simple ? false : false).GetAwaiter().GetResult()
                        + {|TG1001:(simple ? ReadSimple(async: false) : ReadExtended(async: true)).GetAwaiter().GetResult()|};

                private async ValueTask<int> ReadSimple(bool async) { if (async) await Task.Yield(); return 1; }
                private async ValueTask<int> ReadExtended(bool async) { if (async) await Task.Yield(); return 2; }
            }
            """);
    }

    [Fact]
    public async Task A_guard_that_throws_on_an_async_flag_field_makes_the_call_synchronous()
    {
        await VerifyAsync("""
            public sealed class Channel(bool isAsync)
            {
                private readonly bool _isAsync = isAsync;

                public void Publish(string body)
                {
                    if (_isAsync)
                    {
                        throw new InvalidOperationException("this channel was opened for async use");
                    }

                    PublishCore(body, _isAsync).GetAwaiter().GetResult();
                }

                public void Confirm(string body) => {|TG1001:PublishCore(body, _isAsync).GetAwaiter().GetResult()|};

                private async ValueTask PublishCore(string body, bool async) { if (async) await Task.Yield(); }
            }
            """);
    }

    [Fact]
    public async Task An_event_set_by_the_awaiters_completion_callback_proves_completion()
    {
        await VerifyAsync("""
            public static class Blocking
            {
                public static T Get<T>(Task<T> task)
                {
                    var awaiter = task.ConfigureAwait(false).GetAwaiter();
                    if (!awaiter.IsCompleted)
                    {
                        using var done = new ManualResetEventSlim();
                        awaiter.UnsafeOnCompleted(done.Set);
                        done.Wait();
                    }

                    return awaiter.GetResult();
                }

                public static T Peek<T>(Task<T> task)
                {
                    var awaiter = task.GetAwaiter();
                    if (!awaiter.IsCompleted)
                    {
                        using var done = new ManualResetEventSlim();
                        awaiter.OnCompleted(() => done.Set());
                        done.Wait(100);
                    }

                    return {|TG1001:awaiter.GetResult()|};
                }
            }
            """);
    }
}
