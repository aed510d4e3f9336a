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

    [Fact]
    public async Task A_helper_that_returns_only_cached_completed_tasks_proves_completion()
    {
        await VerifyAsync("""
            public static class Cached
            {
                private static readonly Task<bool> True = Task.FromResult(true), False = Task.FromResult(false);
                private static readonly Task<bool> Pending = new TaskCompletionSource<bool>().Task;
                internal static Task<bool> FromBool(bool value) => value ? True : False;
                internal static Task<bool> MaybePending(bool value) => value ? True : Pending;
                internal static ValueTask<int> Zero() { return default; }
                private static readonly Task Failed = Task.FromException(new InvalidOperationException());
                internal static Task Done(bool fail)
                {
                    if (fail) return Failed;
                    return Task.CompletedTask;
                }
                internal static Task<int> Computed(int value) => Task.FromResult(value * 2);
            }

            public sealed class Flags
            {
                public bool Exists(string key) => Cached.FromBool(key.Length > 0).Result && Cached.Zero().Result == 0;
                public void Touch() => Cached.Done(fail: false).Wait();
                public bool Maybe(string key) => {|TG1001:Cached.MaybePending(key.Length > 0).Result|};
                public int Twice(int value) => {|TG1001:Cached.Computed(value).Result|};
            }
            """);
    }

    [Fact]
    public async Task A_private_method_called_only_with_completed_tasks_proves_completion()
    {
        await VerifyAsync("""
            public sealed class Publisher
            {
                public Task Publish(Task<int> send) => send.ContinueWith(t => OnSent(t), TaskScheduler.Default);
                public Task PublishQuietly(Task<int> send) => send.ContinueWith(OnSentQuietly, TaskScheduler.Default);

                public async Task PublishAwaited(Task<int> send)
                {
                    await send;
                    OnSent(send);
                }

                private void OnSent(Task<int> sent) => Console.WriteLine(sent.Result);
                private void OnSentQuietly(Task<int> sent) => sent.Wait();
            }

            public sealed class Leaky
            {
                public Task Publish(Task<int> send) => send.ContinueWith(t => OnSent(t), TaskScheduler.Default);
                public void PublishNow(Task<int> send) => OnSent(send);
                private void OnSent(Task<int> sent) => Console.WriteLine({|TG1001:sent.Result|});
            }

            public sealed class Escaping
            {
                public Action<Task<int>> Handler => OnSent;
                public Task Publish(Task<int> send) => send.ContinueWith(t => OnSent(t), TaskScheduler.Default);
                private void OnSent(Task<int> sent) => Console.WriteLine({|TG1001:sent.Result|});
            }
            """);
    }
}
