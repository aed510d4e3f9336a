using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Tests.Timeline;

public sealed class RuntimeGaugesTests
{
    [Fact]
    public void The_queues_keep_their_maxima_and_the_pools_last_length()
    {
        var queues = new RuntimeQueues();

        queues.On(new RuntimeCounter(1, CounterNames.ThreadPoolQueueLength, 30));
        queues.On(new RuntimeCounter(2, CounterNames.ThreadPoolQueueLength, 4));
        queues.On(new RuntimeCounter(2, CounterNames.ConnectionQueueLength, 9));
        queues.On(new RuntimeCounter(2, CounterNames.RequestQueueLength, 2));
        queues.On(new RuntimeCounter(3, "cpu-usage", 99));

        Assert.Equal((30.0, 4.0, 9.0, 2.0),
            (queues.MaxPoolQueueLength, queues.LastPoolQueueLength, queues.MaxConnectionQueueLength, queues.MaxRequestQueueLength));
    }

    [Fact]
    public void The_thread_count_comes_from_adjustments_and_from_the_counter_until_the_first_adjustment()
    {
        var threads = new ThreadPoolThreads();

        threads.On(new RuntimeCounter(1, CounterNames.ThreadPoolThreadCount, 6));
        var before = threads.On(new ThreadPoolAdjustment(2, 8, ThreadAdjustmentReason.Starvation));
        threads.On(new RuntimeCounter(3, CounterNames.ThreadPoolThreadCount, 12));

        Assert.Equal(6, before);
        Assert.Equal((8, 12), (threads.Last, threads.Max));
    }

    [Fact]
    public void Blocking_waits_are_counted_per_site_up_to_the_limit()
    {
        var sites = new BlockingSiteTally(maxSites: 2);

        sites.On(new BlockingWait(1, 0, "App.A", "Task.Wait", Count: 2));
        sites.On(new BlockingWait(1, 0, "App.B", null));
        sites.On(new BlockingWait(1, 0, "App.C", null));
        sites.On(new BlockingWait(1, 0, "App.A", "Task.Wait", Count: 3));
        sites.On(new BlockingWait(1, 0, null));

        Assert.Equal([(("App.A", (string?)"Task.Wait"), 5L), (("App.B", (string?)null), 1L)], sites.Sites.Select(s => (s.Key, s.Value)));
    }
}
