namespace TailGuard.Analyzers;

/// <summary>
/// The one registry of TailGuard rule ids. Ids are stable forever: a shipped id is never reused.
/// TG1xxx: blocking the thread pool. TG2xxx: hot loops. TG3xxx: async state-machine memory. TG4xxx: GC pauses.
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

    public const string StateMachineOverBudget = "TG3001";
    public const string LargeStructHoisted = "TG3002";
    public const string UnnecessaryStateMachine = "TG3003";

    public const string LargeObjectHeapAllocation = "TG4001";
    public const string InducedGarbageCollection = "TG4002";
}

/// <summary>Diagnostic categories, one per family of rules.</summary>
public static class RuleCategories
{
    public const string Blocking = "TailGuard.Blocking";
    public const string HotLoop = "TailGuard.HotLoop";
    public const string AsyncMemory = "TailGuard.AsyncMemory";
    public const string GarbageCollection = "TailGuard.GarbageCollection";
}
