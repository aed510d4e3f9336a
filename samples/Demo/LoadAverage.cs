namespace TailGuard.Samples.Demo;

/// <summary>The machine's load average, printed beside every figure: on a shared 2-core machine it says how much the figures can be trusted.</summary>
internal static class LoadAverage
{
    /// <summary>"1-minute 5-minute 15-minute" from /proc/loadavg, or null where there is none.</summary>
    public static string? Read()
    {
        try
        {
            var fields = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ') : [];
            return fields.Length >= 3 ? $"{fields[0]} {fields[1]} {fields[2]}" : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
