namespace TailGuard.RuntimeProbe.Events;

/// <summary>The EventCounters a <see cref="RuntimeCounter"/> can name that the probe uses.</summary>
public static class CounterNames
{
    /// <summary>System.Runtime: work items waiting in the thread pool's queues.</summary>
    public const string ThreadPoolQueueLength = "threadpool-queue-length";

    /// <summary>System.Runtime: the thread pool's worker threads.</summary>
    public const string ThreadPoolThreadCount = "threadpool-thread-count";

    /// <summary>Microsoft-AspNetCore-Server-Kestrel: accepted connections waiting for a pool thread.</summary>
    public const string ConnectionQueueLength = "connection-queue-length";

    /// <summary>Microsoft-AspNetCore-Server-Kestrel: requests waiting for a pool thread.</summary>
    public const string RequestQueueLength = "request-queue-length";
}
