using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace TailGuard.RuntimeProbe.Session;

/// <summary>The EventPipe providers the probe needs, and the matching <c>dotnet-trace collect --providers</c> string.</summary>
public static class ProbeProviders
{
    public const string Runtime = "Microsoft-Windows-DotNETRuntime";
    public const string Hosting = "Microsoft.AspNetCore.Hosting";
    public const string Kestrel = "Microsoft-AspNetCore-Server-Kestrel";
    public const string Tpl = "System.Threading.Tasks.TplEventSource";
    public const string SystemRuntime = "System.Runtime";

    /// <summary>Runtime keywords: GC, Contention, Threading (thread-pool adjustments).</summary>
    public const long RuntimeKeywords = (long)(Keywords.GC | Keywords.Contention | Keywords.Threading);

    /// <summary>
    /// Runtime keywords when blocking call sites are collected: also WaitHandle (WaitHandleWaitStart/Stop, .NET 9 and later)
    /// and Loader + Jit (MethodLoadVerbose: the address ranges of methods jitted during the session, to resolve stacks).
    /// The WaitHandle events are Verbose, and a provider has one level per session, so the runtime provider then runs at Verbose.
    /// </summary>
    public const long BlockingSitesRuntimeKeywords = RuntimeKeywords | (long)(Keywords.WaitHandle | Keywords.Loader | Keywords.Jit);

    /// <summary>TasksFlowActivityIds: without it hosting RequestStart/RequestStop carry zero activity ids and cannot pair.</summary>
    public const long TplFlowActivityIds = 0x80;

    public static IReadOnlyList<EventPipeProvider> Create(int counterIntervalSeconds = 1, bool blockingSites = false) =>
    [
        blockingSites
            ? new(Runtime, EventLevel.Verbose, BlockingSitesRuntimeKeywords)
            : new(Runtime, EventLevel.Informational, RuntimeKeywords),
        new(Hosting, EventLevel.Informational),
        new(Kestrel, EventLevel.Informational, -1, Counters(counterIntervalSeconds)),
        new(Tpl, EventLevel.Informational, TplFlowActivityIds),
        new(SystemRuntime, EventLevel.Informational, -1, Counters(counterIntervalSeconds)),
    ];

    private static Dictionary<string, string> Counters(int seconds) =>
        new() { ["EventCounterIntervalSec"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>The same providers for <c>dotnet-trace collect --providers</c>, so its traces can be analyzed too.</summary>
    public static string DotnetTraceProviders => DotnetTraceProvidersFor(blockingSites: false);

    /// <summary>
    /// The providers string, with the blocking-site keywords when <paramref name="blockingSites"/>: <c>dotnet-trace</c> records
    /// stacks and requests rundown by default, which resolving them needs.
    /// </summary>
    public static string DotnetTraceProvidersFor(bool blockingSites) =>
        (blockingSites ? $"{Runtime}:0x{BlockingSitesRuntimeKeywords:X}:5," : $"{Runtime}:0x{RuntimeKeywords:X}:4,") +
        $"{Hosting}:0xFFFFFFFFFFFFFFFF:4," +
        $"{Kestrel}:0xFFFFFFFFFFFFFFFF:4:EventCounterIntervalSec=1," +
        $"{Tpl}:0x80:4," +
        $"{SystemRuntime}:0xFFFFFFFFFFFFFFFF:4:EventCounterIntervalSec=1";

    /// <summary>Runtime keyword bits, named as the runtime's manifest names them.</summary>
    [Flags]
    public enum Keywords : long
    {
        GC = 0x1,
        Loader = 0x8,
        Jit = 0x10,
        Contention = 0x4000,
        Threading = 0x10000,
        WaitHandle = 0x40000000000,
    }
}
