using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.BlockingTaskWaitAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

/// <summary>
/// Issue 7's precision check for TG1001: files written in the style of a database driver and a cache client (one implementation for
/// sync and async APIs, multiplexing, handshakes). Every idiom that does not block must stay silent; the genuinely blocking calls
/// planted in the same files (marked inline) must all be reported, and nothing else.
/// </summary>
public sealed class BlockingTaskWaitPrecisionTests
{
    [Fact]
    public async Task Database_driver_style_code_reports_only_the_planted_blocking_calls()
    {
        await Verify.VerifyAnalyzerAsync(DriverSource);
    }

    /// <summary>Every planted wait, the client's synchronous bridges (marked <c>/*bridge*/</c>) included, in audit mode.</summary>
    [Fact]
    public async Task Cache_client_style_code_reports_only_the_planted_blocking_calls()
    {
        await Verify.VerifyAnalyzerAsync(CacheSource, editorConfig: SyncBridges.ReportSyncBridgesOption + " = true");
    }

    /// <summary>By default the bridges (<c>StringGet</c> over <c>StringGetAsync</c>, the <c>Wait&lt;T&gt;(Task&lt;T&gt;)</c> helper) are left to TG1003.</summary>
    [Fact]
    public async Task Cache_client_style_code_reports_no_synchronous_bridge_by_default()
    {
        await Verify.VerifyAnalyzerAsync(WithoutBridgeMarkers(CacheSource));
    }

    [Fact]
    public async Task Driver_style_code_reports_the_same_in_audit_mode()
    {
        await Verify.VerifyAnalyzerAsync(DriverSource, editorConfig: SyncBridges.ReportSyncBridgesOption + " = true");
    }

    private static string WithoutBridgeMarkers(string source)
        => System.Text.RegularExpressions.Regex.Replace(source, @"/\*bridge\*/\{\|TG1001:(.*?)\|\}", "$1");

    [Fact]
    public async Task The_analyzer_does_not_throw_on_the_corpus_cut_at_and_inside_every_statement()
    {
        var exceptions = new List<string>();
        var parseOptions = new CSharpParseOptions(LanguageVersion.Preview);

        // One compilation whose (few) references are bound once; each cut only adds its syntax tree.
        var needed = new[] { "System.Runtime", "System.Collections", "System.Collections.Concurrent", "System.Linq", "System.Threading",
            "System.Threading.Channels", "System.Net.Sockets", "System.Net.Primitives", "System.Console" };
        var references = TestReferences.Net100.Where(r => needed.Any(n => r.Display == n + " (net100)"));
        Assert.Equal(needed.Length, references.Count());
        var empty = CSharpCompilation.Create("Cut", Array.Empty<SyntaxTree>(), references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        foreach (var marked in new[] { DriverSource, CacheSource })
        {
            var source = marked.Replace("/*bridge*/", string.Empty, StringComparison.Ordinal).Replace("{|TG1001:", string.Empty, StringComparison.Ordinal).Replace("|}", string.Empty, StringComparison.Ordinal);
            var full = CSharpSyntaxTree.ParseText(source, parseOptions);
            var cuts = full.GetRoot().DescendantNodes().OfType<StatementSyntax>()
                .SelectMany(s => IsAboutTasks(s) ? new[] { s.Span.End, s.SpanStart + (s.Span.Length / 2) } : new[] { s.Span.End })
                .Distinct();
            foreach (var cut in cuts)
            {
                var compilation = empty.AddSyntaxTrees(CSharpSyntaxTree.ParseText(source[..cut], parseOptions));
                var options = new CompilationWithAnalyzersOptions(
                    new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                    (exception, analyzer, diagnostic) => exceptions.Add(cut + ": " + exception),
                    concurrentAnalysis: false,
                    logAnalyzerExecutionTime: false);
                var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new BlockingTaskWaitAnalyzer()), options);
                var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
                exceptions.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => cut + ": " + d.GetMessage()));
            }
        }

        Assert.Empty(exceptions);
    }

    /// <summary>Half-typed cuts only where the analyzer has work to do: every statement is also cut at its end.</summary>
    private static bool IsAboutTasks(StatementSyntax statement)
    {
        var text = statement.ToString();
        return text.Contains("Result", StringComparison.Ordinal) || text.Contains("Wait", StringComparison.Ordinal)
            || text.Contains("IsCompleted", StringComparison.Ordinal) || text.Contains("await", StringComparison.Ordinal);
    }

    private const string DriverSource = """
            using System;
            using System.Collections.Generic;
            using System.Diagnostics;
            using System.IO;
            using System.Net.Sockets;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;

            namespace Driver;

            public sealed class DbConnection : IDisposable
            {
                private readonly Connector connector = new();
                private Task<ServerVersion>? versionTask;

                public void Open() => OpenCore(async: false, CancellationToken.None).GetAwaiter().GetResult();
                public Task OpenAsync(CancellationToken ct = default) => OpenCore(async: true, ct);

                private async Task OpenCore(bool async, CancellationToken ct)
                {
                    await connector.Connect(async, ct).ConfigureAwait(false);
                    await connector.Authenticate(async, ct).ConfigureAwait(false);
                    versionTask = connector.ReadVersion(async, ct).AsTask();
                    if (!async)
                    {
                        Debug.Assert(versionTask.IsCompleted);
                    }
                }

                public ServerVersion Version
                {
                    get
                    {
                        var task = versionTask ?? throw new InvalidOperationException("closed");
                        // Planted: the version may still be loading after OpenAsync.
                        return {|TG1001:task.Result|};
                    }
                }

                public int ExecuteNonQuery(string sql) => ExecuteNonQuery(sql, async: false, CancellationToken.None).GetAwaiter().GetResult();
                public Task<int> ExecuteNonQueryAsync(string sql, CancellationToken ct) => ExecuteNonQuery(sql, async: true, ct);

                private async Task<int> ExecuteNonQuery(string sql, bool async, CancellationToken ct)
                {
                    await connector.WriteQuery(sql, async, ct).ConfigureAwait(false);
                    var message = connector.ReadMessage(async, ct);
                    if (!message.IsCompleted)
                    {
                        await message.ConfigureAwait(false);
                    }

                    return message.Result.Rows;
                }

                public DataReader ExecuteReader(string sql, bool async)
                    // Planted: the flag is not a constant, so the task may be pending.
                    => {|TG1001:ExecuteReaderCore(sql, async, CancellationToken.None).GetAwaiter().GetResult()|};

                private async ValueTask<DataReader> ExecuteReaderCore(string sql, bool async, CancellationToken ct)
                {
                    await connector.WriteQuery(sql, async, ct).ConfigureAwait(false);
                    return new DataReader(connector);
                }

                public void Dispose() => connector.Close(async: false).GetAwaiter().GetResult();
            }

            public sealed class Connector
            {
                private readonly Stream stream = Stream.Null;
                private readonly Socket socket = new(SocketType.Stream, ProtocolType.Tcp);
                private readonly byte[] buffer = new byte[8192];
                private readonly Channel<Message> pending = Channel.CreateUnbounded<Message>();

                public async Task Connect(bool async, CancellationToken ct)
                {
                    var endPoint = new System.Net.DnsEndPoint("localhost", 5432);
                    if (async)
                        await socket.ConnectAsync(endPoint, ct).ConfigureAwait(false);
                    else
                        socket.Connect(endPoint);
                }

                public async Task Authenticate(bool async, CancellationToken ct)
                {
                    var read = async ? await stream.ReadAsync(buffer, ct).ConfigureAwait(false) : stream.Read(buffer);
                    if (read == 0)
                    {
                        throw new IOException("server closed the connection during the handshake");
                    }
                }

                public async ValueTask<ServerVersion> ReadVersion(bool async, CancellationToken ct)
                {
                    var message = await ReadMessage(async, ct).ConfigureAwait(false);
                    return new ServerVersion(message.Rows);
                }

                public async Task WriteQuery(string sql, bool async, CancellationToken ct)
                {
                    var bytes = System.Text.Encoding.UTF8.GetBytes(sql);
                    if (async) await stream.WriteAsync(bytes, ct).ConfigureAwait(false); else stream.Write(bytes);
                }

                public async ValueTask<Message> ReadMessage(bool async, CancellationToken ct)
                {
                    var read = async ? await stream.ReadAsync(buffer.AsMemory(0, 5), ct).ConfigureAwait(false) : stream.Read(buffer, 0, 5);
                    return new Message(read);
                }

                public async Task Close(bool async)
                {
                    if (async) await stream.DisposeAsync().ConfigureAwait(false); else stream.Dispose();
                }

                // Multiplexing: a write loop completes the queued commands; results are read only from completed tasks.
                public async Task FlushBatch(IReadOnlyList<Task<Message>> batch)
                {
                    await Task.WhenAll(batch).ConfigureAwait(false);
                    foreach (var item in batch)
                    {
                        await pending.Writer.WriteAsync(item.Result).ConfigureAwait(false);
                    }
                }

                public Task<int> CountRows(Task<Message> command)
                    => command.ContinueWith(done => done.Result.Rows, TaskScheduler.Default);

                public int RowsIfReady(Task<Message> command)
                    => command.Status == TaskStatus.RanToCompletion && command.Result.Rows > 0 ? command.Result.Rows : -1;

                public Message Drain(Task<Message> command)
                {
                    if (!command.IsCompleted)
                    {
                        // Planted: a synchronous API draining an async command.
                        {|TG1001:command.Wait()|};
                    }

                    return command.Result;
                }
            }

            public sealed record Message(int Rows);
            public sealed record ServerVersion(int Major);
            public sealed class DataReader(Connector connector)
            {
                public Connector Connector { get; } = connector;
            }
            """;

    private const string CacheSource = """
            using System;
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;

            namespace Cache;

            public sealed class Multiplexer
            {
                private readonly ConcurrentDictionary<string, Task<string?>> inflight = new();
                private readonly TimeSpan syncTimeout = TimeSpan.FromSeconds(5);
                private Task<bool>? connectTask;

                public static Multiplexer Connect(string configuration)
                {
                    var muxer = new Multiplexer();
                    var task = muxer.ConnectCoreAsync(configuration);
                    // Planted: the classic synchronous Connect over an async handshake.
                    if (!{|TG1001:task.Wait(TimeSpan.FromSeconds(5))|})
                    {
                        throw new TimeoutException("connect timed out");
                    }

                    return task.IsCompletedSuccessfully && task.Result ? muxer : throw new InvalidOperationException("handshake failed");
                }

                private Task<bool> ConnectCoreAsync(string configuration)
                {
                    connectTask = Task.Run(() => configuration.Length > 0);
                    return connectTask;
                }

                public bool IsConnected => connectTask is { IsCompleted: true } done && done.Result;

                public T Wait<T>(Task<T> task)
                {
                    // The client's own synchronous bridge: a planted blocking wait with a timeout.
                    if (!/*bridge*/{|TG1001:task.Wait(syncTimeout)|})
                    {
                        throw new TimeoutException();
                    }

                    return task.GetAwaiter().GetResult();
                }

                public string? StringGet(string key) => /*bridge*/{|TG1001:StringGetAsync(key).Result|};

                public async Task<string?> StringGetAsync(string key)
                {
                    var task = inflight.GetOrAdd(key, k => FetchAsync(k));
                    if (task.IsCompleted)
                    {
                        return task.Result;
                    }

                    return await task.ConfigureAwait(false);
                }

                public async Task<string?[]> StringGetManyAsync(IEnumerable<string> keys)
                {
                    var tasks = keys.Select(StringGetAsync).ToArray();
                    await Task.WhenAll(tasks).ConfigureAwait(false);
                    return tasks.Select(t => t.Result).ToArray();
                }

                public async Task<long> PingAllAsync(Task<long> primary, Task<long> replica)
                {
                    var all = new[] { primary, replica };
                    await Task.WhenAll(all).ConfigureAwait(false);
                    return primary.Result + replica.Result;
                }

                public long PingAll(Task<long>[] servers)
                {
                    /*bridge*/{|TG1001:Task.WaitAll(servers)|};
                    return servers.Sum(s => s.Result);
                }

                public string? Peek(string key)
                {
                    if (!inflight.TryGetValue(key, out var task) || !task.IsCompletedSuccessfully)
                    {
                        return null;
                    }

                    return task.Result;
                }

                public string? PeekOther(string key, Task<string?> other)
                {
                    if (!inflight.TryGetValue(key, out var task) || !task.IsCompletedSuccessfully)
                    {
                        return null;
                    }

                    // Planted: the guard was on a different task.
                    return {|TG1001:other.Result|};
                }

                public void OnReconnect(Task<bool> reconnect)
                    => reconnect.ContinueWith(done => Console.WriteLine(done.Result ? "reconnected" : "failed"), TaskScheduler.Default);

                public string Describe() => nameof(Task<int>.Result);

                private static Task<string?> FetchAsync(string key) => Task.FromResult<string?>(key);
            }
            """;
}
