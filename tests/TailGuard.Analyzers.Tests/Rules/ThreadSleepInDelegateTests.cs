using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.ThreadSleepInAsyncContextAnalyzer>;
using VerifyFix = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.ThreadSleepInAsyncContextAnalyzer, TailGuard.CodeFixes.ThreadSleepFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

/// <summary>TG1002 in a task-returning method without <c>async</c>, and in synchronous delegates handed to async methods of the compilation.</summary>
public sealed class ThreadSleepInDelegateTests
{
    [Fact]
    public async Task Sleep_in_a_task_returning_method_without_async_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            sealed class Backoff
            {
                public Task PauseAsync(int attempt)
                {
                    {|TG1002:Thread.Sleep(attempt * 100)|};
                    return Task.CompletedTask;
                }
            }
            """);
    }

    [Fact]
    public async Task Sleep_in_a_private_retry_predicate_handed_to_an_async_helper_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            sealed class OrderStore
            {
                public Task<int> CountAsync(CancellationToken ct)
                    => SqlRetry.ExecuteAsync(() => Task.FromResult(1), CanRetry, ct);

                public Task<int> CountWithLambdaAsync(CancellationToken ct)
                    => SqlRetry.ExecuteAsync(() => Task.FromResult(1), (e, attempt) => ShouldRetry(e, attempt), ct);

                private static bool CanRetry(Exception e, int attempt)
                {
                    if (attempt > 3) return false;
                    {|TG1002:Thread.Sleep(50 * attempt)|};
                    return e is TimeoutException;
                }

                private static bool ShouldRetry(Exception e, int attempt)
                {
                    {|TG1002:Thread.Sleep(10)|};
                    return attempt < 3;
                }
            }

            static class SqlRetry
            {
                public static async Task<T> ExecuteAsync<T>(Func<Task<T>> work, Func<Exception, int, bool> canRetry, CancellationToken ct)
                {
                    for (var attempt = 1; ; attempt++)
                    {
                        try { return await work(); }
                        catch (Exception e) when (canRetry(e, attempt)) { await Task.Yield(); }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Sleep_in_a_lambda_handed_to_an_async_helper_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            sealed class Client
            {
                public Task<int> GetAsync() => Retry.RunAsync(() => Task.FromResult(1), attempt => { {|TG1002:System.Threading.Thread.Sleep(attempt)|}; return true; });
            }

            static class Retry
            {
                public static async Task<int> RunAsync(Func<Task<int>> work, Func<int, bool> again)
                {
                    var n = await work();
                    return again(n) ? await work() : n;
                }
            }
            """);
    }

    [Fact]
    public async Task Sleep_in_delegates_for_synchronous_or_framework_callees_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            sealed class Worker
            {
                private Timer? _timer;
                public void Start() => _timer = new Timer(Tick, null, 0, 1000);
                public int Run() => SyncRetry.Execute(() => 1, CanRetry);
                public Task Later() => Task.Run(() => Thread.Sleep(10));
                public bool Public(Exception e) { Thread.Sleep(5); return true; }
                public Task<int> ViaPublic() => AsyncRetry.ExecuteAsync(Public);

                private void Tick(object? state) => Thread.Sleep(10);
                private static bool CanRetry(Exception e) { Thread.Sleep(10); return true; }
            }

            static class SyncRetry
            {
                public static int Execute(Func<int> work, Func<Exception, bool> canRetry) => work();
            }

            static class AsyncRetry
            {
                public static async Task<int> ExecuteAsync(Func<Exception, bool> canRetry) { await Task.Yield(); return canRetry(new Exception()) ? 1 : 0; }
            }
            """);
    }

    [Fact]
    public async Task No_fix_is_offered_where_await_would_not_compile()
    {
        await VerifyFix.VerifyNoCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            sealed class Backoff
            {
                public Task PauseAsync(int attempt)
                {
                    {|TG1002:Thread.Sleep(attempt * 100)|};
                    return Task.CompletedTask;
                }
            }
            """);
    }
}
