using System;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TailGuard.Analyzers;

/// <summary>
/// Reads TailGuard options from <c>.editorconfig</c> (or <c>.globalconfig</c>) for one syntax tree.
/// Keys are <c>TGnnnn.option_name</c> for rule options and <c>tailguard.option_name</c> for options shared by all rules.
/// </summary>
public static class TailGuardOptions
{
    public const string ExcludeTestCode = "tailguard.exclude_test_code";

    public static string? GetString(AnalyzerOptions options, SyntaxTree tree, string key)
    {
        var config = options.AnalyzerConfigOptionsProvider.GetOptions(tree);
        if (config.TryGetValue(key, out var value) || (HasUpperCase(key) && config.TryGetValue(key.ToLowerInvariant(), out value)))
        {
            value = value.Trim();
            return value.Length == 0 ? null : value;
        }

        return null;
    }

    // Asked on every callback: allocate the lower-case key only when it differs from the key.
    private static bool HasUpperCase(string key)
    {
        foreach (var c in key)
        {
            if (char.IsUpper(c))
            {
                return true;
            }
        }

        return false;
    }

    public static bool GetBool(AnalyzerOptions options, SyntaxTree tree, string key, bool defaultValue)
    {
        var value = GetString(options, tree, key);
        return value is not null && bool.TryParse(value, out var parsed) ? parsed : defaultValue;
    }

    public static int GetInt(AnalyzerOptions options, SyntaxTree tree, string key, int defaultValue)
    {
        var value = GetString(options, tree, key);
        return value is not null && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0
            ? parsed
            : defaultValue;
    }

    /// <summary>A comma- or semicolon-separated list; entries are trimmed, empty entries dropped.</summary>
    public static ImmutableArray<string> GetList(AnalyzerOptions options, SyntaxTree tree, string key)
    {
        var value = GetString(options, tree, key);
        if (value is null)
        {
            return ImmutableArray<string>.Empty;
        }

        var builder = ImmutableArray.CreateBuilder<string>();
        foreach (var part in value.Split(new[] { ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var trimmed = part.Trim();
            if (trimmed.Length > 0)
            {
                builder.Add(trimmed);
            }
        }

        return builder.ToImmutable();
    }

    public static bool ShouldExcludeTestCode(AnalyzerOptions options, SyntaxTree tree)
        => GetBool(options, tree, ExcludeTestCode, defaultValue: true);
}
