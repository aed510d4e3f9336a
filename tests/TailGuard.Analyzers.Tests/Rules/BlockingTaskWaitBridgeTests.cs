using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.BlockingTaskWaitAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

/// <summary>TG1001 and the synchronous APIs that exist to block (<see cref="SyncBridges"/>): silent by default, reported in audit mode.</summary>
public sealed class BlockingTaskWaitBridgeTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;

        """;

    private const string Audit = SyncBridges.ReportSyncBridgesOption + " = true";

    private static Task VerifyAsync(string source) => Verify.VerifyAnalyzerAsync(Usings + source);

    private static Task VerifyAuditAsync(string source) => Verify.VerifyAnalyzerAsync(Usings + source, editorConfig: Audit);

    private const string SyncTwin = """
        public sealed class Connection
        {
            public Task ConnectAsync(CancellationToken ct = default) => Task.Delay(1, ct);
            public void Connect() => ConnectAsync().GetAwaiter().GetResult();
            public Task<int> ExecuteAsync(string sql) => Task.FromResult(sql.Length);
            public int Execute(string sql) => ExecuteAsync(sql).Result;
        }
        """;

    [Fact]
    public async Task A_sync_twin_over_its_async_twin_is_not_reported()
    {
        await VerifyAsync(SyncTwin);
    }

    [Fact]
    public async Task A_sync_twin_is_reported_in_audit_mode()
    {
        await VerifyAuditAsync(SyncTwin
            .Replace("ConnectAsync().GetAwaiter().GetResult()", "{|TG1001:ConnectAsync().GetAwaiter().GetResult()|}", StringComparison.Ordinal)
            .Replace("ExecuteAsync(sql).Result", "{|TG1001:ExecuteAsync(sql).Result|}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sync_twin_inherited_from_an_interface_is_a_bridge()
    {
        await VerifyAsync("""
            public interface IChannel { Task CloseAsync(); }
            public sealed class Channel : IChannel
            {
                public Task CloseAsync() => Task.CompletedTask;
                public void Close() => ((IChannel)this).CloseAsync().Wait();
            }
            """);
    }

    [Fact]
    public async Task A_sync_twin_that_skips_the_drivers_synchronous_path_is_still_reported()
    {
        await VerifyAsync("""
            public sealed class Command
            {
                public Task<int> ExecuteScalarAsync() => ExecuteScalar(async: true);
                public int ExecuteScalar() => {|TG1001:ExecuteScalar(async: true).GetAwaiter().GetResult()|};
                public int ExecuteNonQuery() => ExecuteScalar(async: false).GetAwaiter().GetResult();
                public Task<int> ExecuteNonQueryAsync() => ExecuteScalar(async: true);
                private async Task<int> ExecuteScalar(bool async) { if (async) await Task.Yield(); return 1; }
            }
            """);
    }

    [Fact]
    public async Task A_method_without_an_async_twin_is_reported()
    {
        await VerifyAsync("""
            public sealed class Cache
            {
                public Task<string> GetAsync(string key) => Task.FromResult(key);
                public string GetOrDefault(string key) => {|TG1001:GetAsync(key).Result|};
            }
            """);
    }

    [Fact]
    public async Task Wait_helpers_that_block_on_the_task_they_are_handed_are_not_reported()
    {
        await VerifyAsync("""
            public sealed class Multiplexer
            {
                private readonly TimeSpan timeout = TimeSpan.FromSeconds(5);
                public void Wait(Task task) { if (!task.Wait(timeout)) throw new TimeoutException(); }
                public T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();
                public void WaitAll(params Task[] tasks) => Task.WaitAll(tasks);
            }

            public static class TaskExtensions
            {
                public static T RunSync<T>(this Task<T> task) => task.ConfigureAwait(false).GetAwaiter().GetResult();
                public static void WaitSynchronously(this ValueTask task) => task.AsTask().Wait();
            }
            """);
    }

    [Fact]
    public async Task A_method_handed_a_task_but_not_named_for_waiting_is_reported()
    {
        await VerifyAsync("""
            public sealed class Orders
            {
                public int Total(Task<int[]> lines) => {|TG1001:lines.Result|}.Length;
            }
            """);
    }

    [Fact]
    public async Task Dispose_over_DisposeAsync_is_not_reported_and_a_lone_Dispose_is()
    {
        await VerifyAsync("""
            public sealed class Connection : IDisposable, IAsyncDisposable
            {
                public ValueTask DisposeAsync() => ValueTask.CompletedTask;
                public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            public sealed class Subscription : IDisposable
            {
                private Task Unsubscribe() => Task.Delay(1);
                public void Dispose() => {|TG1001:Unsubscribe().Wait()|};
            }
            """);
    }

    [Fact]
    public async Task The_synchronous_branch_of_an_async_flag_guard_on_a_stored_task_is_not_reported()
    {
        await VerifyAsync("""
            public sealed class Connector
            {
                private Task? sendTask;
                private Task Write(bool async) => Task.Delay(1);

                public async Task Execute(bool async)
                {
                    var flush = Task.Run(() => Write(async));
                    if (async) await flush; else flush.GetAwaiter().GetResult();
                    sendTask = Write(async);
                    if (!async)
                    {
                        sendTask.Wait();
                        return;
                    }

                    await sendTask;
                }
            }
            """);
    }

    [Fact]
    public async Task The_synchronous_branch_waiting_for_a_pooled_resource_is_still_reported()
    {
        await VerifyAsync("""
            public sealed class Pool
            {
                private readonly Channel<object> idle = Channel.CreateUnbounded<object>();

                public async ValueTask<object> Rent(bool async, CancellationToken ct)
                {
                    var read = idle.Reader.ReadAsync(ct);
                    if (async) return await read;
                    return {|TG1001:read.AsTask().GetAwaiter().GetResult()|};
                }
            }
            """);
    }

    [Fact]
    public async Task A_librarys_synchronous_execution_path_is_not_reported()
    {
        await VerifyAsync("""
            public sealed class ResilienceContext { public bool IsSynchronous { get; init; } }

            public sealed class RetryStrategy
            {
                public async ValueTask<int> ExecuteCore(Func<ValueTask<int>> callback, ResilienceContext context)
                {
                    var attempt = callback();
                    if (context.IsSynchronous)
                    {
                        return attempt.AsTask().GetAwaiter().GetResult();
                    }

                    return await attempt;
                }
            }
            """);
    }

    [Fact]
    public async Task Event_handlers_timer_callbacks_and_subscription_handlers_are_reported_even_beside_a_twin()
    {
        await VerifyAsync("""
            public sealed class MessageEventArgs : EventArgs { }

            public sealed class Consumer
            {
                private Timer? heartbeat;
                public event EventHandler<MessageEventArgs>? Received;
                public Task AckAsync() => Task.Delay(1);
                public Task OnReceivedAsync(object? sender, MessageEventArgs e) => AckAsync();

                public void OnReceived(object? sender, MessageEventArgs e) => {|TG1001:AckAsync().Wait()|};

                public Task StartAsync() => Task.CompletedTask;

                public void Start()
                {
                    heartbeat = new Timer(_ => {|TG1001:AckAsync().Wait()|}, null, 1000, 1000);
                    Received += (sender, e) => {|TG1001:AckAsync().GetAwaiter().GetResult()|};
                    StartAsync().GetAwaiter().GetResult();
                }
            }
            """);
    }

    [Fact]
    public async Task Dispose_stopping_a_background_loop_with_a_bounded_wait_is_not_reported()
    {
        await VerifyAsync("""
            public sealed class Heartbeat : IDisposable
            {
                private readonly CancellationTokenSource stopping = new();
                private readonly Task loop;

                public Heartbeat() => loop = Task.Run(() => RunAsync(stopping.Token));

                private static async Task RunAsync(CancellationToken ct) { while (!ct.IsCancellationRequested) await Task.Delay(1000, ct); }

                public void Dispose()
                {
                    stopping.Cancel();
                    loop.Wait(TimeSpan.FromSeconds(5));
                }
            }
            """);
    }

    [Fact]
    public async Task A_synchronous_cleanup_blocking_on_a_TLS_shutdown_is_reported()
    {
        await VerifyAsync("""
            public sealed class TlsConnection : IDisposable
            {
                private readonly System.Net.Security.SslStream stream = null!;
                private Task? reader;

                private void Cleanup()
                {
                    {|TG1001:stream.ShutdownAsync().Wait()|};
                }

                public void OnReadFailed() => Cleanup();

                public void Dispose() => {|TG1001:reader!.Wait()|};
            }
            """);
    }

    [Fact]
    public async Task A_static_constructor_is_one_time_initialization()
    {
        await VerifyAsync("""
            public static class Defaults
            {
                public static readonly string Region;
                static Defaults() => Region = LoadAsync().GetAwaiter().GetResult();
                private static Task<string> LoadAsync() => Task.FromResult("eu");
            }
            """);
    }

    [Fact]
    public void IsSyncOverAsyncDispose_tells_a_blocking_Dispose_from_a_plain_one()
    {
        var compilation = CSharpCompilation.Create("Dispose", new[] { CSharpSyntaxTree.ParseText(Usings + """
            public sealed class Blocking : IDisposable, IAsyncDisposable
            {
                public ValueTask DisposeAsync() => ValueTask.CompletedTask;
                public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            public sealed class Plain : IDisposable, IAsyncDisposable
            {
                public ValueTask DisposeAsync() => ValueTask.CompletedTask;
                public void Dispose() { }
            }

            public sealed class NoTwin : IDisposable
            {
                private Task CloseAsync() => Task.CompletedTask;
                public void Dispose() => CloseAsync().Wait();
            }
            """) }, TestReferences.Net100, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var disposals = new SyncOverAsyncDispose();
        bool Check(string type) => disposals.IsSyncOverAsyncDispose(
            compilation.GetTypeByMetadataName(type)!.GetMembers("Dispose").OfType<IMethodSymbol>().Single(), CancellationToken.None);

        Assert.True(Check("Blocking"));
        Assert.False(Check("Plain"));
        Assert.False(Check("NoTwin"));
    }
}
