using System.Globalization;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>What the target's environment variables (read over the diagnostics channel) say about its runtime settings.</summary>
public static class TargetEnvironment
{
    private static readonly string[] ForceMaxWorkerThreadsVariables =
        ["DOTNET_ThreadPool_ForceMaxWorkerThreads", "COMPlus_ThreadPool_ForceMaxWorkerThreads"];

    /// <summary>
    /// The worker-thread maximum the environment forces, or null. The runtime reads <c>DOTNET_</c> and <c>COMPlus_</c>
    /// settings as hexadecimal numbers (with or without <c>0x</c>): "8" is 8, "10" is 16.
    /// </summary>
    public static int? ForcedMaxWorkerThreads(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var name in ForceMaxWorkerThreadsVariables)
        {
            if (environment.TryGetValue(name, out var value))
            {
                var digits = value.Trim();
                digits = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? digits[2..] : digits;
                return int.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var max) && max > 0 ? max : null;
            }
        }

        return null;
    }
}
