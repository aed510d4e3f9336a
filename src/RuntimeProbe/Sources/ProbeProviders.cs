using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>The EventPipe providers the probe needs, and the matching <c>dotnet-trace collect --providers</c> string.</summary>
public static class ProbeProviders
{
    public const string Runtime = "Microsoft-Windows-DotNETRuntime";
    public const string Hosting = "Microsoft.AspNetCore.Hosting";
    public const string Kestrel = "Microsoft-AspNetCore-Server-Kestrel";
    public const string Tpl = "System.Threading.Tasks.TplEventSource";
    public const string SystemRuntime = "System.Runtime";
    public const string Framework = "System.Diagnostics.Eventing.FrameworkEventSource";

    /// <summary>
    /// FrameworkEventSource's ThreadPool keyword: ThreadPoolEnqueueWork/DequeueWork (Verbose), each work item's queue wait.
    /// Its ThreadTransfer keyword (0x10) would add a Send/Receive pair per request that the queue wait does not need.
    /// </summary>
    public const long FrameworkThreadPool = 0x2;

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

    /// <summary>Every keyword of a provider (EventSource providers whose events the probe takes all of).</summary>
    private const long AllKeywords = -1;

    /// <summary>The provider argument that makes an EventSource publish its counters, every so many seconds.</summary>
    private const string CounterIntervalArgument = "EventCounterIntervalSec";

    public static IReadOnlyList<EventPipeProvider> Create(int counterIntervalSeconds = 1, bool blockingSites = false) =>
    [
        blockingSites
            ? new(Runtime, EventLevel.Verbose, BlockingSitesRuntimeKeywords)
            : new(Runtime, EventLevel.Informational, RuntimeKeywords),
        new(Hosting, EventLevel.Informational),
        new(Kestrel, EventLevel.Informational, AllKeywords, Counters(counterIntervalSeconds)),
        new(Tpl, EventLevel.Informational, TplFlowActivityIds),
        new(SystemRuntime, EventLevel.Informational, AllKeywords, Counters(counterIntervalSeconds)),
        new(Framework, EventLevel.Verbose, FrameworkThreadPool),
    ];

    private static Dictionary<string, string> Counters(int seconds) =>
        new() { [CounterIntervalArgument] = seconds.ToString(CultureInfo.InvariantCulture) };

    /// <summary>The same providers for <c>dotnet-trace collect --providers</c>, so its traces can be analyzed too.</summary>
    public static string DotnetTraceProviders => DotnetTraceProvidersFor(blockingSites: false);

    /// <summary>
    /// The providers string, with the blocking-site keywords when <paramref name="blockingSites"/>: <c>dotnet-trace</c> records
    /// stacks and requests rundown by default, which resolving them needs.
    /// </summary>
    public static string DotnetTraceProvidersFor(bool blockingSites) => string.Join(',',
        blockingSites
            ? Provider(Runtime, BlockingSitesRuntimeKeywords, EventLevel.Verbose)
            : Provider(Runtime, RuntimeKeywords, EventLevel.Informational),
        Provider(Hosting, AllKeywords, EventLevel.Informational),
        Provider(Kestrel, AllKeywords, EventLevel.Informational, counterIntervalSeconds: 1),
        Provider(Tpl, TplFlowActivityIds, EventLevel.Informational),
        Provider(SystemRuntime, AllKeywords, EventLevel.Informational, counterIntervalSeconds: 1),
        Provider(Framework, FrameworkThreadPool, EventLevel.Verbose));

    /// <summary>One provider as <c>dotnet-trace</c> spells it: <c>Name:0xKEYWORDS:level[:EventCounterIntervalSec=N]</c>.</summary>
    private static string Provider(string name, long keywords, EventLevel level, int? counterIntervalSeconds = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}:0x{keywords:X}:{(int)level}") +
        (counterIntervalSeconds is { } seconds ? string.Create(CultureInfo.InvariantCulture, $":{CounterIntervalArgument}={seconds}") : "");

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
