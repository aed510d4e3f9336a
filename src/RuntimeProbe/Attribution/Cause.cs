using System.Numerics;

namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// What a request overlapped: flags, since a request can overlap several. Declared in order of precedence: of two causes a
/// request overlapped equally long, the earlier is its primary cause (GC pauses first: a suspended runtime is not a starved
/// pool). A new cause is a flag here, its tracker in Timeline/, its windows in <see cref="Attributor"/> and its name in the
/// report (Reporting/Causes); the aggregation sizes itself from this enum.
/// </summary>
[Flags]
internal enum Cause
{
    /// <summary>None of the causes: the request is unexplained.</summary>
    None = 0,
    GcPause = 1 << 0,
    ThreadPoolStarvation = 1 << 1,
    LockContention = 1 << 2,
}

/// <summary>The causes as the aggregation indexes them.</summary>
internal static class CauseSet
{
    /// <summary>Every cause, in order of precedence (cause <c>i</c> is the flag <c>1 &lt;&lt; i</c>).</summary>
    public static readonly Cause[] All = Flags();

    public static int Count => All.Length;

    /// <summary>How many combinations of causes there are, <see cref="Cause.None"/> included: combinations index arrays.</summary>
    public static int Combinations => 1 << Count;

    /// <summary>The index of one cause in <see cref="All"/>; <see cref="Cause.None"/> (unexplained) comes after them all.</summary>
    public static int IndexOf(Cause cause) => cause == Cause.None ? Count : BitOperations.TrailingZeroCount((int)cause);

    // The defined flags from the lowest up, read from the enum itself. Not through LINQ over Enum.GetValues: generic code over
    // a value type is jitted at every start of the tool (with the trackers' records as structs too, `analyze` took about 20 ms
    // more CPU to start; docs/benchmarks.md).
    private static Cause[] Flags()
    {
        var count = 0;
        while (Enum.IsDefined((Cause)(1 << count)))
        {
            count++;
        }

        var all = new Cause[count];
        for (var i = 0; i < count; i++)
        {
            all[i] = (Cause)(1 << i);
        }

        return all;
    }
}
