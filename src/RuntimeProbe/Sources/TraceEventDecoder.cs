using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Sources;

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

    // System.Diagnostics.Eventing.FrameworkEventSource event ids; the payload of both is one Int64, the work item's id.
    private const int ThreadPoolEnqueueWorkId = 30;
    private const int ThreadPoolDequeueWorkId = 31;
    private const int WorkIdBytes = sizeof(long);

    // The request events' payload fields, by name (both providers name them alike).
    private const string MethodField = "method";
    private const string PathField = "path";
    private const string ConnectionIdField = "connectionId";
    private const string RequestIdField = "requestId";

    // EventSource counters: one "EventCounters" event per counter and interval, its payload { "Payload": { "Name", "Mean" |
    // "Increment", ... } } (mean for gauges, increment for rates).
    private const string CountersEventName = "EventCounters";
    private const string CounterPayloadField = "Payload";
    private const string CounterNameField = "Name";
    private const string CounterMeanField = "Mean";
    private const string CounterIncrementField = "Increment";

    public static void Subscribe(TraceEventDispatcher source, Action<ProbeEvent> sink) => Subscribe(source, new ProbeEventRecords(sink));

    public static void Subscribe(TraceEventDispatcher source, IProbeEventSink sink)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sink);
        var clr = source.Clr;
        clr.GCSuspendEEStart += d => sink.Process(new GcSuspendBegin(d.TimeStampRelativeMSec, (SuspendReason)(int)d.Reason));
        clr.GCRestartEEStop += d => sink.Process(new GcRestartEnd(d.TimeStampRelativeMSec));
        clr.GCStart += d => sink.Process(new GcStart(d.TimeStampRelativeMSec, d.Count, d.Depth, d.Reason.ToString(), d.Type.ToString()));
        clr.GCStop += d => sink.Process(new GcEnd(d.TimeStampRelativeMSec, d.Count));
        clr.ThreadPoolWorkerThreadAdjustmentAdjustment += d =>
            sink.Process(new ThreadPoolAdjustment(d.TimeStampRelativeMSec, d.NewWorkerThreadCount, (Events.ThreadAdjustmentReason)(int)d.Reason));
        clr.GCGlobalHeapHistory += d => sink.Process(new GcHeapCount(d.TimeStampRelativeMSec, d.NumHeaps));
        clr.ContentionStart += d => sink.Process(new Events.ContentionStart(d.TimeStampRelativeMSec, d.ThreadID));
        clr.ContentionStop += d =>
            sink.Process(new Events.ContentionStop(d.TimeStampRelativeMSec, d.ThreadID, d.DurationNs > 0 ? d.DurationNs : null));

        // Only ASP.NET Core's and the counters' providers go through the dynamic parser: the runtime's events, the bulk of a
        // trace, are handled by the typed parser above and never reach this callback.
        var payloads = new PayloadIndexes();
        source.Dynamic.AddCallbackForProviderEvents(
            (provider, _) => provider is ProbeProviders.Hosting or ProbeProviders.Kestrel or ProbeProviders.SystemRuntime or ProbeProviders.Framework
                ? EventFilterResponse.AcceptEvent
                : EventFilterResponse.RejectProvider,
            d => OnDynamic(d, sink, payloads));
    }

    private static void OnDynamic(TraceEvent d, IProbeEventSink sink, PayloadIndexes payloads)
    {
        var ts = d.TimeStampRelativeMSec;
        if (d.EventName == CountersEventName)
        {
            OnCounters(d, ts, sink);
            return;
        }

        switch (d.ProviderName)
        {
            // Two events per work item, the most frequent of a trace: the id is read from the payload's bytes, not boxed.
            case ProbeProviders.Framework when d.EventDataLength >= WorkIdBytes:
                switch ((int)d.ID)
                {
                    case ThreadPoolEnqueueWorkId:
                        sink.ThreadPoolEnqueue(ts, d.ThreadID, Marshal.ReadInt64(d.DataStart));
                        break;
                    case ThreadPoolDequeueWorkId:
                        sink.ThreadPoolDequeue(ts, d.ThreadID, Marshal.ReadInt64(d.DataStart));
                        break;
                }

                break;
            case ProbeProviders.Hosting:
                switch ((int)d.ID)
                {
                    case HostingRequestStartId:
                        var start = payloads.For(d);
                        sink.HostingRequestStart(ts, d.ThreadID, d.ActivityID, PayloadString(d, start.Method) ?? "", PayloadString(d, start.Path) ?? "");
                        break;
                    case HostingRequestStopId:
                        sink.HostingRequestStop(ts, d.ThreadID, d.ActivityID);
                        break;
                }

                break;
            case ProbeProviders.Kestrel:
                switch ((int)d.ID)
                {
                    // Once the sink has hosting requests it drops Kestrel's: their four strings are then not worth decoding.
                    case KestrelRequestStartId or KestrelRequestStopId when !sink.WantsKestrelRequests:
                        sink.Skipped(ts);
                        break;
                    case KestrelRequestStartId:
                        var start = payloads.For(d);
                        sink.KestrelRequestStart(ts, d.ThreadID, PayloadString(d, start.ConnectionId) ?? "", PayloadString(d, start.RequestId) ?? "",
                            PayloadString(d, start.Method), PayloadString(d, start.Path));
                        break;
                    case KestrelRequestStopId:
                        var stop = payloads.For(d);
                        sink.KestrelRequestStop(ts, d.ThreadID, PayloadString(d, stop.ConnectionId) ?? "", PayloadString(d, stop.RequestId) ?? "");
                        break;
                }

                break;
        }
    }

    private static void OnCounters(TraceEvent d, double ts, IProbeEventSink sink)
    {
        if (d.ProviderName is not (ProbeProviders.SystemRuntime or ProbeProviders.Kestrel) || d.PayloadNames.Length == 0 && d.PayloadValue(0) is null)
        {
            return;
        }

        var outer = d.PayloadValue(0);
        var payload = outer is IDictionary<string, object> o && o.TryGetValue(CounterPayloadField, out var inner) && inner is IDictionary<string, object> i
            ? i
            : outer as IDictionary<string, object>;
        if (payload is not null
            && payload.TryGetValue(CounterNameField, out var name) && name is string counter
            && (payload.TryGetValue(CounterMeanField, out var value) || payload.TryGetValue(CounterIncrementField, out value)))
        {
            sink.Process(new RuntimeCounter(ts, counter, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    private static string? PayloadString(TraceEvent d, int index) => index < 0 ? null : d.PayloadValue(index)?.ToString();

    /// <summary>Where an event's named fields are, looked up once per event template instead of by name on every event.</summary>
    private sealed class PayloadIndexes
    {
        private readonly Dictionary<TraceEvent, Fields> _byTemplate = new(ReferenceEqualityComparer.Instance);

        // TraceEvent hands the same object to every callback for events of one template.
        private TraceEvent? _last;
        private Fields _lastFields;

        public Fields For(TraceEvent d)
        {
            if (ReferenceEquals(d, _last))
            {
                return _lastFields;
            }

            if (!_byTemplate.TryGetValue(d, out var fields))
            {
                fields = new Fields(d.PayloadIndex(MethodField), d.PayloadIndex(PathField), d.PayloadIndex(ConnectionIdField), d.PayloadIndex(RequestIdField));
                _byTemplate[d] = fields;
            }

            _last = d;
            _lastFields = fields;
            return fields;
        }
    }

    private readonly record struct Fields(int Method, int Path, int ConnectionId, int RequestId);
}
