using TailGuard.RuntimeProbe.Attribution;

namespace TailGuard.RuntimeProbe.Tests.Attribution;

public sealed class TailSharesTests
{
    [Fact]
    public void The_tail_is_the_slowest_requests_and_ties_at_its_boundary_are_shared_pro_rata()
    {
        var overall = new LatencyRecorder();
        var tail = new TailShares();
        for (var i = 0; i < 196; i++)
        {
            Record(1, Cause.None);
        }

        Record(50, Cause.GcPause | Cause.ThreadPoolStarvation, primary: Cause.ThreadPoolStarvation);
        Record(20, Cause.LockContention);
        Record(20, Cause.None);
        Record(20, Cause.None);

        var p99 = tail.Of(overall, 99);

        // The slowest 2 of 200: the 50 ms request, and one of the three at 20 ms (a third of each).
        Assert.Equal(2, p99.Requests);
        Assert.Equal((0.5, 0.5, 0.1667, 0.3333),
            (p99.Share[Cause.GcPause], p99.Share[Cause.ThreadPoolStarvation], p99.Share[Cause.LockContention], p99.Share[Cause.None]));
        Assert.Equal((0, 0.5, 0.1667, 0.3333),
            (p99.PrimaryShare[Cause.GcPause], p99.PrimaryShare[Cause.ThreadPoolStarvation], p99.PrimaryShare[Cause.LockContention], p99.PrimaryShare[Cause.None]));

        void Record(double latency, Cause causes, Cause? primary = null)
        {
            overall.Record(latency);
            tail.Record(latency, causes, primary ?? causes);
        }
    }
}
