using Microsoft.CodeAnalysis;

namespace TailGuard.Analyzers;

/// <summary>
/// The only place that creates <see cref="DiagnosticDescriptor"/>s, so every rule gets the same help link
/// scheme (<c>docs/rules/TGnnnn.md</c>) and the same defaults.
/// </summary>
public static class RuleDescriptor
{
    public const string HelpLinkBase = "https://github.com/tailguard/tailguard/blob/main/docs/rules/";

    public static string HelpLink(string id) => HelpLinkBase + id + ".md";

    public static DiagnosticDescriptor Create(
        string id,
        string title,
        string messageFormat,
        string category,
        string description,
        DiagnosticSeverity severity = DiagnosticSeverity.Warning,
        bool isEnabledByDefault = true)
    {
        return new DiagnosticDescriptor(
            id,
            title,
            messageFormat,
            category,
            severity,
            isEnabledByDefault,
            description,
            HelpLink(id),
            customTags: System.Array.Empty<string>());
    }
}
