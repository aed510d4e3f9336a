using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Session;

/// <summary>
/// Turns TraceEvent's parsed events into <see cref="ProbeEvent"/>s: the runtime's events through the typed CLR parser,
/// ASP.NET Core's EventSource events through their self-describing metadata, by provider and event id.
/// </summary>
public static class TraceEventDecoder
{
    // Microsoft.AspNetCore.Hosting event ids.
    private const int HostingRequestStartId = 3;
    private const int HostingRequestStopId = 4;

    // Microsoft-AspNetCore-Server-Kestrel event ids. Kestrel's queues have no per-item events, only counters.
    private const int KestrelRequestStartId = 3;
    private const int KestrelRequestStopId = 4;

    public static void Subscribe(TraceEventDispatcher source, Action<ProbeEvent> sink)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sink);
        var clr = source.Clr;
        clr.GCSuspendEEStart += d => sink(new GcSuspendBegin(d.TimeStampRelativeMSec, (SuspendReason)(int)d.Reason));
        clr.GCRestartEEStop += d => sink(new GcRestartEnd(d.TimeStampRelativeMSec));
        clr.GCStart += d => sink(new GcStart(d.TimeStampRelativeMSec, d.Count, d.Depth, d.Reason.ToString(), d.Type.ToString()));
        clr.GCStop += d => sink(new GcEnd(d.TimeStampRelativeMSec, d.Count));
        clr.ThreadPoolWorkerThreadAdjustmentAdjustment += d =>
            sink(new ThreadPoolAdjustment(d.TimeStampRelativeMSec, d.NewWorkerThreadCount, (Events.ThreadAdjustmentReason)(int)d.Reason));
        clr.ContentionStart += d => sink(new Events.ContentionStart(d.TimeStampRelativeMSec, d.ThreadID));
        clr.ContentionStop += d => sink(new Events.ContentionStop(d.TimeStampRelativeMSec, d.ThreadID, d.DurationNs > 0 ? d.DurationNs : null));

        source.Dynamic.All += d => OnDynamic(d, sink);
    }

    private static void OnDynamic(TraceEvent d, Action<ProbeEvent> sink)
    {
        var ts = d.TimeStampRelativeMSec;
        if (d.EventName == "EventCounters")
        {
            OnCounters(d, ts, sink);
            return;
        }

        switch (d.ProviderName)
        {
            case ProbeProviders.Hosting:
                switch ((int)d.ID)
                {
                    case HostingRequestStartId:
                        sink(new HostingRequestStart(ts, d.ActivityID, PayloadString(d, "method") ?? "", PayloadString(d, "path") ?? ""));
                        break;
                    case HostingRequestStopId:
                        sink(new HostingRequestStop(ts, d.ActivityID));
                        break;
                }

                break;
            case ProbeProviders.Kestrel:
                switch ((int)d.ID)
                {
                    case KestrelRequestStartId:
                        sink(new KestrelRequestStart(ts, PayloadString(d, "connectionId") ?? "", PayloadString(d, "requestId") ?? "",
                            PayloadString(d, "method"), PayloadString(d, "path")));
                        break;
                    case KestrelRequestStopId:
                        sink(new KestrelRequestStop(ts, PayloadString(d, "connectionId") ?? "", PayloadString(d, "requestId") ?? ""));
                        break;
                }

                break;
        }
    }

    private static void OnCounters(TraceEvent d, double ts, Action<ProbeEvent> sink)
    {
        if (d.ProviderName is not (ProbeProviders.SystemRuntime or ProbeProviders.Kestrel) || d.PayloadNames.Length == 0 && d.PayloadValue(0) is null)
        {
            return;
        }

        // EventPipe delivers a counter as one struct field: { "Payload": { "Name", "Mean" | "Increment", ... } }.
        var outer = d.PayloadValue(0);
        var payload = outer is IDictionary<string, object> o && o.TryGetValue("Payload", out var inner) && inner is IDictionary<string, object> i
            ? i
            : outer as IDictionary<string, object>;
        if (payload is not null
            && payload.TryGetValue("Name", out var name) && name is string counter
            && (payload.TryGetValue("Mean", out var value) || payload.TryGetValue("Increment", out value)))
        {
            sink(new RuntimeCounter(ts, counter, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    private static string? PayloadString(TraceEvent d, string name)
    {
        var index = d.PayloadIndex(name);
        return index < 0 ? null : d.PayloadValue(index)?.ToString();
    }
}
