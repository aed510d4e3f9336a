using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.BlockingTaskWaitAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

/// <summary>
/// TG1001's sync twins beyond <c>X()</c>/<c>XAsync()</c>: a method named as the synchronous version (<c>PublishSync</c> beside
/// <c>PublishOneAsync</c>), and the lambda a twin hands straight to a synchronous helper that has an async twin (a retry helper's
/// <c>Execute</c> beside <c>ExecuteAsync</c>). Both are bridges: silent by default, reported in audit mode. Any other lambda is not.
/// </summary>
public sealed class BlockingTaskWaitTwinLambdaTests
{
    private const string Source = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;

        public static class SqlRetry
        {
            public static T Execute<T>(Func<T> operation, Func<Exception, int, bool> canRetry) => operation();
            public static Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> operation, Func<Exception, int, bool> canRetry, CancellationToken ct) => operation(ct);
            public static T Run<T>(Func<T> operation) => operation();
        }

        public sealed class Orders
        {
            private Timer? refresh;
            private Task<int> ScalarAsync(string sql, CancellationToken ct) => Task.FromResult(sql.Length);
            private static bool CanRetry(Exception e, int attempt) => attempt < 3;

            public Task<int> CountOpenAsync(CancellationToken ct) => SqlRetry.ExecuteAsync(t => ScalarAsync("open", t), CanRetry, ct);
            public int CountOpen() => SqlRetry.Execute(() => [|ScalarAsync("open", CancellationToken.None).GetAwaiter().GetResult()|], CanRetry);

            public Task PublishOneAsync(string body) => Task.Delay(1);
            public void PublishSync(string body) => [|PublishOneAsync(body).GetAwaiter().GetResult()|];

            // Not twins: no CountAllAsync, a helper without an async twin, a timer callback, a `...Sync` without a matching async method.
            public int CountAll() => SqlRetry.Execute(() => {|TG1001:ScalarAsync("all", CancellationToken.None).Result|}, CanRetry);
            public int CountOpenRun() => SqlRetry.Run(() => {|TG1001:ScalarAsync("open", CancellationToken.None).Result|});
            public void StartRefresh() => refresh = new Timer(_ => {|TG1001:ScalarAsync("open", CancellationToken.None).Wait()|}, null, 1000, 1000);
            public Task StartRefreshAsync() => Task.CompletedTask;
            public void ArchiveSync() => {|TG1001:ScalarAsync("archive", CancellationToken.None).Wait()|};
        }
        """;

    [Fact]
    public async Task Twins_and_their_helper_lambdas_are_silent_by_default_and_other_lambdas_are_reported()
        => await Verify.VerifyAnalyzerAsync(Source.Replace("[|", "", StringComparison.Ordinal).Replace("|]", "", StringComparison.Ordinal));

    [Fact]
    public async Task Twins_and_their_helper_lambdas_are_reported_in_audit_mode()
        => await Verify.VerifyAnalyzerAsync(
            Source.Replace("[|", "{|TG1001:", StringComparison.Ordinal).Replace("|]", "|}", StringComparison.Ordinal),
            editorConfig: SyncBridges.ReportSyncBridgesOption + " = true");
}
