namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>Times as the report gives them: milliseconds to the microsecond.</summary>
internal static class Milliseconds
{
    public static double Round(double ms) => Math.Round(ms, 3);
}
