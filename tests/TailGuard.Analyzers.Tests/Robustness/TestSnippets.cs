using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers.Tests.Robustness;

/// <summary>
/// The C# snippets that the analyzer tests feed to the verifiers, read back from the test sources with Roslyn: every raw or
/// verbatim string literal passed to a <c>Verify*</c> call, and every multi-line one that reads as C#, without span markup.
/// New test files join automatically.
/// </summary>
internal static partial class TestSnippets
{
    public static string TestsDirectory { get; } = Path.Combine(RepositoryRoot.Path, "tests", "TailGuard.Analyzers.Tests");

    /// <summary>Test source files (relative, '/'-separated), excluding build output and this robustness folder.</summary>
    public static IReadOnlyList<string> SourceFiles()
        => Directory.EnumerateFiles(TestsDirectory, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(TestsDirectory, path).Replace('\\', '/'))
            .Where(path => !path.StartsWith("bin/", StringComparison.Ordinal) && !path.StartsWith("obj/", StringComparison.Ordinal)
                && !path.StartsWith("Robustness/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static IReadOnlyList<string> FromFile(string relativePath)
    {
        var text = File.ReadAllText(Path.Combine(TestsDirectory, relativePath));
        var root = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Preview)).GetRoot();
        var snippets = new List<string>();
        foreach (var literal in root.DescendantNodes().OfType<ExpressionSyntax>())
        {
            if (Value(literal) is not { } value)
            {
                continue;
            }

            var passedToVerify = IsVerifyArgument(literal);
            var multiLine = value.Contains('\n', StringComparison.Ordinal);
            if ((passedToVerify || multiLine) && LooksLikeCSharp(value))
            {
                snippets.Add(StripMarkup(value));
            }
        }

        return snippets.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The text of a raw or verbatim string literal, or of an interpolated one without holes (<c>$$"""</c> used only so that
    /// the snippet may contain braces); null for anything else.
    /// </summary>
    private static string? Value(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case LiteralExpressionSyntax { Token: var token }
                when token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken) || token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken)
                    || (token.IsKind(SyntaxKind.StringLiteralToken) && token.Text.StartsWith('@')):
                return token.ValueText;
            case InterpolatedStringExpressionSyntax interpolated
                when interpolated.Contents.All(c => c is InterpolatedStringTextSyntax)
                    && (interpolated.StringStartToken.Text.Contains('@', StringComparison.Ordinal)
                        || interpolated.StringStartToken.Text.Contains("\"\"\"", StringComparison.Ordinal)):
                return string.Concat(interpolated.Contents.Cast<InterpolatedStringTextSyntax>().Select(c => c.TextToken.ValueText));
            default:
                return null;
        }
    }

    /// <summary>Removes <c>{|TG1001:</c>, <c>{|#0:</c>, <c>|}</c>, <c>[|</c> and <c>|]</c>, leaving the plain source.</summary>
    public static string StripMarkup(string markup)
    {
        var text = SpanStart().Replace(markup, string.Empty);
        return text.Replace("|}", string.Empty, StringComparison.Ordinal)
            .Replace("[|", string.Empty, StringComparison.Ordinal)
            .Replace("|]", string.Empty, StringComparison.Ordinal);
    }

    private static bool IsVerifyArgument(ExpressionSyntax literal)
    {
        if (literal.Parent is not ArgumentSyntax argument || argument.Parent?.Parent is not InvocationExpressionSyntax invocation)
        {
            return false;
        }

        // Editor config text is passed by name to the same Verify* calls.
        if (argument.NameColon is { } name && name.Name.Identifier.ValueText.Contains("config", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var method = invocation.Expression switch
        {
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            GenericNameSyntax generic => generic.Identifier.ValueText,
            _ => string.Empty,
        };
        return method.StartsWith("Verify", StringComparison.Ordinal);
    }

    private static bool LooksLikeCSharp(string value)
    {
        var lines = value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0 || lines.All(l => EditorConfigLine().IsMatch(l)))
        {
            return false;
        }

        return (value.Contains(';', StringComparison.Ordinal) || value.Contains('}', StringComparison.Ordinal))
            && CSharpShape().IsMatch(value);
    }

    [GeneratedRegex(@"\{\|[^:|{}\s]+:")]
    private static partial Regex SpanStart();

    [GeneratedRegex(@"^(#|;|\[.*\]$|[\w.\-*]+\s*=)")]
    private static partial Regex EditorConfigLine();

    [GeneratedRegex(@"\b(class|struct|record|interface|void|async|await|using|namespace|return|var)\b|=>")]
    private static partial Regex CSharpShape();
}
