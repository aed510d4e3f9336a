using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>
/// The queues the counters show: work waiting in the thread pool (System.Runtime), and connections and requests waiting in
/// Kestrel for a pool thread, a wait the application's own timings cannot show.
/// </summary>
internal sealed class RuntimeQueues
{
    public double MaxPoolQueueLength { get; private set; }

    public double LastPoolQueueLength { get; private set; }

    public double MaxConnectionQueueLength { get; private set; }

    public double MaxRequestQueueLength { get; private set; }

    public void On(RuntimeCounter s)
    {
        switch (s.Name)
        {
            case CounterNames.ThreadPoolQueueLength:
                MaxPoolQueueLength = Math.Max(MaxPoolQueueLength, s.Value);
                LastPoolQueueLength = s.Value;
                break;
            case CounterNames.ConnectionQueueLength:
                MaxConnectionQueueLength = Math.Max(MaxConnectionQueueLength, s.Value);
                break;
            case CounterNames.RequestQueueLength:
                MaxRequestQueueLength = Math.Max(MaxRequestQueueLength, s.Value);
                break;
        }
    }
}
