namespace TailGuard.RuntimeProbe.Rules;

/// <summary>
/// The TailGuard analyzer rules the probe names, in blocking call sites and recommendations. The ids and names are those of
/// <c>TailGuard.Analyzers.RuleIds</c> (a test checks it): the probe does not reference the analyzer assembly, which is built
/// for the compiler.
/// </summary>
public static class RuleIds
{
    public const string BlockingTaskWait = "TG1001";
    public const string ThreadSleepInAsyncContext = "TG1002";
    public const string SynchronousApiInAsyncContext = "TG1003";
    public const string LongBlockingWorkOnThreadPool = "TG1004";
    public const string ParallelLoopInAsyncContext = "TG1005";
    public const string BlockingWhileHoldingLock = "TG1006";

    public const string LoopWithoutYield = "TG2001";
    public const string BusyWait = "TG2002";

    public const string LargeObjectHeapAllocation = "TG4001";
    public const string InducedGarbageCollection = "TG4002";
}
