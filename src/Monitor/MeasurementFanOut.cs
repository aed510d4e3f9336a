using TailGuard.RuntimeProbe.Events;

namespace TailGuard.Monitor;

/// <summary>Hands each measurement to several listeners (the metrics and the triggers), in order.</summary>
public sealed class MeasurementFanOut(params IMeasurementListener[] listeners) : IMeasurementListener
{
    public void GcPause(double startMs, double durationMs, int generation, string type, string reason)
    {
        foreach (var l in listeners)
        {
            l.GcPause(startMs, durationMs, generation, type, reason);
        }
    }

    public void SchedulingDelay(double dequeuedMs, double delayMs)
    {
        foreach (var l in listeners)
        {
            l.SchedulingDelay(dequeuedMs, delayMs);
        }
    }

    public void RequestCompleted(double endMs, string endpoint, double applicationMs, double? totalMs)
    {
        foreach (var l in listeners)
        {
            l.RequestCompleted(endMs, endpoint, applicationMs, totalMs);
        }
    }

    public void StarvationEpisode(double startMs, double endMs, bool ongoing)
    {
        foreach (var l in listeners)
        {
            l.StarvationEpisode(startMs, endMs, ongoing);
        }
    }

    public void BlockingWait(string site, string? blockingCall, long count)
    {
        foreach (var l in listeners)
        {
            l.BlockingWait(site, blockingCall, count);
        }
    }
}
