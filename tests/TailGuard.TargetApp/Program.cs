using System.Diagnostics;

// A target with switchable adversities for the probe's integration tests. It binds 127.0.0.1 on a free port and prints
// "LISTENING <url>" once it accepts requests. The adversities run on their own threads, so the test's request traffic is
// what gets delayed, as in a real service.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
// A listen backlog that holds the connections an open-loop client opens through a starvation burst (Kestrel's default, 512,
// overflows at 200 new connections a second for a few seconds): a connection the kernel drops waits for the client's SYN
// retry outside the process, where no in-process measure can see it.
builder.WebHost.UseSockets(sockets => sockets.Backlog = 4096);
var app = builder.Build();

var heapMb = int.TryParse(Environment.GetEnvironmentVariable("TARGET_HEAP_MB"), out var mb) ? mb : 0;
var liveHeap = LiveHeap.Build(heapMb);

app.MapGet("/ok", () => "ok");

// An I/O-bound handler: it awaits, so its continuation needs a pool thread, and it is in flight long enough for a pause
// or a starvation episode to land inside it, as a real handler's database call would be.
app.MapGet("/work", async (int? ms) =>
{
    if (ms is > 0)
    {
        await Task.Delay(ms.Value);
    }
    else
    {
        await Task.Yield();
    }

    return "done";
});

// GC pause total as the target measures it, for comparison with the probe's sum of suspend-to-restart windows.
app.MapGet("/stats", () => new
{
    totalPauseMs = GC.GetTotalPauseDuration().TotalMilliseconds,
    gen2 = GC.CollectionCount(2),
    liveObjects = liveHeap.Count,
});

// Blocking compacting gen2 collections over the large live heap, spaced out on a background thread.
app.MapPost("/adversity/gc", (int count, int gapMs) =>
{
    var thread = new Thread(() =>
    {
        for (var i = 0; i < count; i++)
        {
            liveHeap.Churn();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            Thread.Sleep(gapMs);
        }
    }) { IsBackground = true, Name = "gc-adversity" };
    thread.Start();
    return Results.Accepted();
});

// A burst of work items that block pool threads: with few cores the pool starves and injects threads slowly.
app.MapPost("/adversity/starve", (int items, int sleepMs) =>
{
    for (var i = 0; i < items; i++)
    {
        ThreadPool.UnsafeQueueUserWorkItem(_ => Thread.Sleep(sleepMs), null);
    }

    return Results.Accepted();
});

// The target's own measure of the pool's queue wait, independent of the probe: a dedicated thread queues a tiny work item
// every few milliseconds with the time it queued it, and the item records how long it waited until a pool thread ran it.
var queueWaits = new QueueWaitSampler();
app.MapPost("/queue-wait/sample", (int everyMs, int seconds) =>
{
    queueWaits.Start(everyMs, seconds);
    return Results.Accepted();
});
app.MapGet("/queue-wait/stats", () => queueWaits.Stats());

// Sync-over-async in a request handler: each request blocks its pool thread on a task's .Result, the pattern TG1001 reports.
// The blocking sits in a named method, so the probe's blocking call sites can be checked by name.
app.MapGet("/blocking/sync-over-async", (int ms) => SyncOverAsync.LoadReport(ms));

// Thread.Sleep in a request handler (TG1002); whether it shows as a blocking site depends on the runtime raising wait events.
app.MapGet("/blocking/sleep", (int ms) => SyncOverAsync.Pause(ms));

// Threads fighting over one lock.
app.MapPost("/adversity/contention", (int threads, int holdMs, int rounds) =>
{
    var gate = new Lock();
    for (var t = 0; t < threads; t++)
    {
        new Thread(() =>
        {
            for (var r = 0; r < rounds; r++)
            {
                lock (gate)
                {
                    var sw = Stopwatch.StartNew();
                    while (sw.ElapsedMilliseconds < holdMs)
                    {
                        Thread.SpinWait(100);
                    }
                }
            }
        }) { IsBackground = true }.Start();
    }

    return Results.Accepted();
});

PoolHolderAdversities.Map(app);

app.MapPost("/exit", () =>
{
    _ = Task.Run(async () =>
    {
        await Task.Delay(100);
        Environment.Exit(0);
    });
    return Results.Accepted();
});

await app.StartAsync();
var address = app.Urls.First();
Console.WriteLine($"LISTENING {address} PID {Environment.ProcessId}");

// TARGET_SELF_REQUESTS=N: send N requests to itself right after start-up, then exit. For the tool's launch and
// diagnostic-port modes, where the test starts no request of its own: start-up traffic, then the target's exit.
if (int.TryParse(Environment.GetEnvironmentVariable("TARGET_SELF_REQUESTS"), out var selfRequests) && selfRequests > 0)
{
    using var self = new HttpClient { BaseAddress = new Uri(address) };
    for (var i = 0; i < selfRequests; i++)
    {
        using var response = await self.GetAsync("/ok");
        response.EnsureSuccessStatusCode();
    }

    Console.WriteLine($"SENT {selfRequests}");
    // Long enough for EventPipe to flush the last requests' events before the runtime shuts the session down.
    await Task.Delay(500);
    await app.StopAsync();
    return;
}

await app.WaitForShutdownAsync();

/// <summary>Blocking calls on pool threads, kept out of line so that their frames stay visible in stacks.</summary>
internal static class SyncOverAsync
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static string LoadReport(int ms) => LoadReportAsync(ms).Result;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static string Pause(int ms)
    {
        Thread.Sleep(ms);
        return "slept";
    }

    private static async Task<string> LoadReportAsync(int ms)
    {
        await Task.Delay(ms).ConfigureAwait(false);
        return "report";
    }
}

/// <summary>Queue waits measured in the target: the time from ThreadPool.UnsafeQueueUserWorkItem to the item running.</summary>
internal sealed class QueueWaitSampler
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<double> _waitsMs = new();

    public void Start(int everyMs, int seconds)
    {
        new Thread(() =>
        {
            var until = Stopwatch.GetTimestamp() + seconds * Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < until)
            {
                var queuedAt = Stopwatch.GetTimestamp();
                ThreadPool.UnsafeQueueUserWorkItem(
                    _ => _waitsMs.Enqueue(Stopwatch.GetElapsedTime(queuedAt).TotalMilliseconds), null);
                Thread.Sleep(everyMs);
            }
        }) { IsBackground = true, Name = "queue-wait-sampler" }.Start();
    }

    public object Stats()
    {
        var sorted = _waitsMs.ToArray();
        Array.Sort(sorted);
        double At(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
        return new { count = sorted.Length, p50Ms = At(50), p99Ms = At(99), maxMs = sorted.Length == 0 ? 0 : sorted[^1] };
    }
}

/// <summary>Many small live objects, so that a compacting gen2 collection has real work to do.</summary>
internal sealed class LiveHeap
{
    private readonly List<byte[]> _objects;
    private int _next;

    private LiveHeap(List<byte[]> objects) => _objects = objects;

    public int Count => _objects.Count;

    public static LiveHeap Build(int megabytes)
    {
        var count = megabytes * 1024 / 2;
        var objects = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            objects.Add(new byte[2000]);
        }

        return new LiveHeap(objects);
    }

    /// <summary>Replaces a tenth of the objects, leaving holes across the heap for compaction to close.</summary>
    public void Churn()
    {
        for (var i = 0; i < _objects.Count / 10; i++)
        {
            _next = (_next + 7) % _objects.Count;
            _objects[_next] = new byte[2000];
        }
    }
}
