using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers.Tests.Robustness;

/// <summary>
/// What an IDE hands an analyzer while someone types: a snippet cut off at every statement boundary (before and after each
/// statement, at the end of each member), and in the middle of expressions at the positions where typing pauses
/// (after <c>.</c>, <c>(</c>, <c>,</c>, <c>=</c>, <c>=&gt;</c>, <c>await</c>, <c>new</c>, <c>lock</c>).
/// </summary>
internal static class HalfTypedCode
{
    private const int MaxMidExpressionCutsPerStatement = 3;

    public static IEnumerable<string> Cuts(string source, CSharpParseOptions parseOptions)
    {
        var root = CSharpSyntaxTree.ParseText(source, parseOptions).GetRoot();
        var positions = new SortedSet<int>();
        foreach (var node in root.DescendantNodes())
        {
            switch (node)
            {
                case StatementSyntax statement:
                    positions.Add(statement.SpanStart);
                    positions.Add(statement.Span.End);
                    if (statement is not BlockSyntax)
                    {
                        AddMidExpressionCuts(statement, positions);
                    }

                    break;
                case MemberDeclarationSyntax member:
                    positions.Add(member.Span.End);
                    if (member is BaseMethodDeclarationSyntax { ParameterList: { } parameters })
                    {
                        positions.Add(parameters.OpenParenToken.Span.End);
                    }

                    break;
                case ArrowExpressionClauseSyntax arrow:
                    positions.Add(arrow.ArrowToken.Span.End);
                    break;
                case LambdaExpressionSyntax lambda:
                    positions.Add(lambda.ArrowToken.Span.End);
                    break;
            }
        }

        // A cut before a statement and one after the previous statement differ only by whitespace: one compilation serves both.
        var cuts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var position in positions)
        {
            var cut = source[..position].TrimEnd();
            if (cut.Length > 0 && cut.Length < source.TrimEnd().Length && cuts.Add(cut))
            {
                yield return cut;
            }
        }
    }

    private static void AddMidExpressionCuts(StatementSyntax statement, SortedSet<int> positions)
    {
        var added = 0;
        foreach (var token in statement.DescendantTokens(descendIntoChildren: child => child is not BlockSyntax))
        {
            if (added == MaxMidExpressionCutsPerStatement)
            {
                return;
            }

            if (token.IsKind(SyntaxKind.DotToken) || token.IsKind(SyntaxKind.OpenParenToken) || token.IsKind(SyntaxKind.CommaToken)
                || token.IsKind(SyntaxKind.EqualsToken) || token.IsKind(SyntaxKind.EqualsGreaterThanToken)
                || token.IsKind(SyntaxKind.AwaitKeyword) || token.IsKind(SyntaxKind.NewKeyword) || token.IsKind(SyntaxKind.LockKeyword))
            {
                positions.Add(token.Span.End);
                added++;
            }
        }
    }
}
