namespace TailGuard.RuntimeProbe.Analysis;

/// <summary>Maps a blocking call site's frame to the TailGuard rule that catches the pattern at compile time.</summary>
public static class BlockingSiteRules
{
    private static readonly (string Fragment, string Rule)[] Map =
    [
        ("Task.Wait", "TG1001"),
        ("Task`1.get_Result", "TG1001"),
        ("Task.get_Result", "TG1001"),
        ("TaskAwaiter.GetResult", "TG1001"),
        ("TaskAwaiter`1.GetResult", "TG1001"),
        ("Task.WaitAll", "TG1001"),
        ("Thread.Sleep", "TG1002"),
        ("Stream.Read", "TG1003"),
        ("Stream.Write", "TG1003"),
        ("File.Read", "TG1003"),
        ("File.Write", "TG1003"),
        ("Parallel.For", "TG1005"),
        ("Monitor.Wait", "TG1006"),
        ("SpinWait", "TG2002"),
    ];

    public static string? RuleFor(string frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        foreach (var (fragment, rule) in Map)
        {
            if (frame.Contains(fragment, StringComparison.Ordinal))
            {
                return rule;
            }
        }

        return null;
    }
}
