using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Tests.Rendering;

/// <summary>
/// A realistic synthetic session for the renderers: a service with a few endpoints under a steady request rate, gen0/gen1
/// pauses, two blocking gen2 collections, a thread-pool starvation episode, a burst of lock contention and a few blocking call
/// sites. Requests that overlap a stall are delayed by it, as they would be. The events go through the real correlator.
/// </summary>
internal static class SyntheticService
{
    public const string HostilePath = "/<script>alert(1)</script>?a=\"b\"&c='d'";

    private static readonly (string Method, string Path, double MedianMs, double Spread, double Weight)[] Endpoints =
    [
        ("GET", "/api/orders/{id}", 1.6, 0.35, 0.46),
        ("GET", "/api/search", 7.5, 0.45, 0.22),
        ("POST", "/api/checkout", 14, 0.4, 0.12),
        ("GET", "/health", 0.25, 0.2, 0.12),
        ("GET", "/api/reports/export", 38, 0.3, 0.05),
        ("GET", HostilePath, 3, 0.3, 0.03),
    ];

    public static Report Build(double requestsPerSecond, double seconds = 30, int seed = 7, string slo = "p99<50ms,p999<200ms")
    {
        var random = new Random(seed);
        var events = new List<ProbeEvent>();
        var durationMs = seconds * 1000;

        var pauses = new List<(double Start, double End, int Gen, string Reason, string Type)>();
        for (var t = 180.0; t < durationMs; t += 350 + random.NextDouble() * 250)
        {
            var gen = random.NextDouble() < 0.12 ? 1 : 0;
            var length = gen == 0 ? 0.6 + random.NextDouble() * 2.2 : 4 + random.NextDouble() * 6;
            pauses.Add((t, t + length, gen, "AllocSmall", "NonConcurrentGC"));
        }

        pauses.RemoveAll(p => (p.Start > 8_100 && p.Start < 8_400) || (p.Start > 21_400 && p.Start < 21_700));
        pauses.RemoveAll(p => p.Start > 4_000 && p.Start < 4_300);
        pauses.Add((8_210, 8_210 + 182, 2, "AllocLarge", "NonConcurrentGC"));
        pauses.Add((21_530, 21_530 + 236, 2, "Induced", "NonConcurrentGC"));
        pauses.Add((4_080, 4_080 + 3.1, 2, "AllocSmall", "BackgroundGC"));
        pauses.Add((4_260, 4_260 + 4.4, 2, "AllocSmall", "BackgroundGC"));
        pauses.Sort((a, b) => a.Start.CompareTo(b.Start));
        var gcCount = 0;
        foreach (var p in pauses)
        {
            gcCount++;
            events.Add(new GcSuspendBegin(p.Start, SuspendReason.ForGC));
            events.Add(new GcStart(p.Start + 0.02, gcCount, p.Gen, p.Reason, p.Type));
            events.Add(new GcEnd(p.End - 0.02, gcCount));
            events.Add(new GcRestartEnd(p.End));
        }

        // Starvation: blocking work items from 14 s; the pool injects a thread about every 500 ms until 16.5 s.
        const double starvedFrom = 14_000, starvedTo = 17_000;
        var threads = 4;
        for (var t = 14_500.0; t <= 16_500; t += 500)
        {
            events.Add(new ThreadPoolAdjustment(t, ++threads, ThreadAdjustmentReason.Starvation));
        }

        events.Add(new ThreadPoolAdjustment(15_200, threads, ThreadAdjustmentReason.CooperativeBlocking));
        string[] frames =
        [
            "System.Private.CoreLib!System.Threading.Tasks.Task.Wait(System.Threading.CancellationToken)",
            "System.Private.CoreLib!System.Threading.Tasks.Task`1.get_Result()",
            "System.Private.CoreLib!System.Threading.Thread.Sleep(Int32)",
            "Orders.Api!Orders.Api.Reports.<>c__DisplayClass3_0.<Export>b__0(List<Dictionary<String, Object>>&)",
        ];
        for (var i = 0; i < 140; i++)
        {
            var frame = frames[i % 7 < 4 ? 0 : i % 7 < 6 ? 1 : i % 2 == 0 ? 2 : 3];
            events.Add(new BlockingWait(starvedFrom + random.NextDouble() * 3_000, 20 + i % 8, frame));
        }

        // Contention: a hot lock in the checkout path around 25 s.
        var contention = new List<(double Start, double End)>();
        for (var t = 24_800.0; t < 26_200; t += 40 + random.NextDouble() * 90)
        {
            var length = 2 + random.NextDouble() * 30;
            contention.Add((t, t + length));
            events.Add(new ContentionStart(t, 30 + contention.Count % 4));
            events.Add(new ContentionStop(t + length, 30 + contention.Count % 4, length * 1e6));
        }

        var interval = 1000 / requestsPerSecond;
        for (var t = random.NextDouble() * interval; t < durationMs - 200; t += interval * (0.5 + random.NextDouble()))
        {
            var e = Pick(random);
            var latency = e.MedianMs * Math.Exp(e.Spread * Gaussian(random));
            if (random.NextDouble() < 0.004)
            {
                latency *= 4 + random.NextDouble() * 6;
            }

            if (t >= starvedFrom && t < starvedTo)
            {
                // Queued behind blocked pool threads: the wait grows through the episode, then drains.
                var progress = (t - starvedFrom) / (starvedTo - starvedFrom);
                latency += 900 * progress * (0.6 + 0.4 * random.NextDouble());
            }

            if (e.Path == "/api/checkout")
            {
                foreach (var c in contention)
                {
                    if (c.Start < t + latency && c.End > t)
                    {
                        latency += c.End - Math.Max(c.Start, t);
                    }
                }
            }

            foreach (var p in pauses)
            {
                if (p.Start < t + latency && p.End > t)
                {
                    latency += p.End - Math.Max(p.Start, t);
                }
            }

            var id = Guid.NewGuid();
            events.Add(new HostingRequestStart(t, id, e.Method, e.Path));
            events.Add(new HostingRequestStop(t + latency, id));
        }

        events.Add(new RuntimeCounter(15_000, "threadpool-queue-length", 212));
        events.Add(new RuntimeCounter(16_000, "threadpool-thread-count", threads));

        var correlator = new Correlator();
        foreach (var ev in events.OrderBy(ev => ev.TimestampMs))
        {
            correlator.Process(ev);
        }

        return correlator.Complete(new ReportContext
        {
            Target = new ReportTarget
            {
                Pid = 48213,
                ProcessName = "Orders.Api",
                RuntimeVersion = "10.0.0",
                CommandLine = "/usr/share/dotnet/dotnet Orders.Api.dll --urls http://127.0.0.1:5080",
            },
            EndMs = durationMs,
            EventsLost = 0,
            Slo = SloRule.ParseList(slo),
        });
    }

    private static (string Method, string Path, double MedianMs, double Spread, double Weight) Pick(Random random)
    {
        var r = random.NextDouble();
        foreach (var e in Endpoints)
        {
            r -= e.Weight;
            if (r <= 0)
            {
                return e;
            }
        }

        return Endpoints[0];
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
