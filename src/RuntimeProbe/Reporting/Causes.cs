using TailGuard.RuntimeProbe.Attribution;

namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>The names of the causes a slow request can be attributed to, as they appear in the report.</summary>
public static class Causes
{
    public const string GcPause = "gcPause";
    public const string ThreadPoolStarvation = "threadPoolStarvation";
    public const string LockContention = "lockContention";
    public const string Unexplained = "unexplained";

    /// <summary>The one mapping from a <see cref="Cause"/> to its name; <see cref="Cause.None"/> is unexplained.</summary>
    internal static string NameOf(Cause cause) => cause switch
    {
        Cause.None => Unexplained,
        Cause.GcPause => GcPause,
        Cause.ThreadPoolStarvation => ThreadPoolStarvation,
        Cause.LockContention => LockContention,
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, "Not one cause."),
    };

    /// <summary>The names of the causes in <paramref name="causes"/>, in order of precedence; empty when unexplained.</summary>
    internal static List<string> NamesOf(Cause causes)
    {
        var names = new List<string>(CauseSet.Count);
        foreach (var cause in CauseSet.All)
        {
            if ((causes & cause) != 0)
            {
                names.Add(NameOf(cause));
            }
        }

        return names;
    }
}
