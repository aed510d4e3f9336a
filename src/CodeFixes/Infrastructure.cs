namespace TailGuard.CodeFixes;

/// <summary>Equivalence keys shared by the fixes, so Fix All groups the same fix across a document or solution.</summary>
internal static class FixKeys
{
    public static string For(string ruleId, string variant = "") => "TailGuard." + ruleId + (variant.Length == 0 ? string.Empty : "." + variant);
}
