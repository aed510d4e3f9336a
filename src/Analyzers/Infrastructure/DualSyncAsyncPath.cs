using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>
/// Recognises the drivers' dual sync/async path: one implementation for both APIs, guarded by a boolean flag.
/// <code>
/// if (async) await stream.ReadAsync(buffer, ct); else stream.Read(buffer);
/// var n = async ? await stream.ReadAsync(buffer, ct) : stream.Read(buffer);
/// if (!async) { stream.Flush(); return; }
/// if (async) { await stream.FlushAsync(ct); return; } stream.Flush();
/// </code>
/// The synchronous branch runs only when the caller chose the synchronous API, so blocking there is by design.
/// A flag is a <c>bool</c> parameter or local named <c>async</c> or ending in <c>Async</c> (<c>isAsync</c>, <c>useAsync</c>, <c>runAsync</c>).
/// That one definition serves both sides of the path: the guards recognised here (TG1002, TG1003) and the shared implementation
/// called with the flag false, whose task is complete (TG1001's completion facts), so a driver that names its flag
/// <c>isAsync</c> is understood by every rule.
/// </summary>
public static class DualSyncAsyncPath
{
    /// <summary><c>async</c> (any case) or a name ending in <c>Async</c>, leading underscores ignored.</summary>
    public static bool IsAsyncFlagName(string name)
    {
        var trimmed = name.TrimStart('_');
        return trimmed.Equals("async", StringComparison.OrdinalIgnoreCase)
            || (trimmed.Length > "Async".Length && trimmed.EndsWith("Async", StringComparison.Ordinal));
    }

    /// <summary>A <c>bool</c> parameter or local with an async-flag name (<see cref="IsAsyncFlagName"/>); a field never is.</summary>
    public static bool IsAsyncFlag(ISymbol? symbol) => symbol switch
    {
        IParameterSymbol parameter => parameter.Type.SpecialType == SpecialType.System_Boolean && IsAsyncFlagName(parameter.Name),
        ILocalSymbol local => local.Type.SpecialType == SpecialType.System_Boolean && IsAsyncFlagName(local.Name),
        _ => false,
    };

    /// <summary>True when <paramref name="node"/> sits on the synchronous branch of an async-flag guard in its own function.</summary>
    public static bool IsOnSynchronousBranch(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
        => IsOnSynchronousBranch(node, model, flag: null, cancellationToken);

    /// <summary>
    /// As <see cref="IsOnSynchronousBranch(SyntaxNode, SemanticModel, CancellationToken)"/>, for a guard on <paramref name="flag"/>
    /// itself (any async flag when null): there the flag is known to be false.
    /// </summary>
    public static bool IsOnSynchronousBranch(SyntaxNode node, SemanticModel model, ISymbol? flag, CancellationToken cancellationToken)
    {
        var child = node;
        for (var current = node.Parent; current is not null; child = current, current = current.Parent)
        {
            switch (current)
            {
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax
                    or AccessorDeclarationSyntax or CompilationUnitSyntax or TypeDeclarationSyntax:
                    return false;

                case IfStatementSyntax ifStatement:
                    if ((child == ifStatement.Else && IsFlagTest(ifStatement.Condition, expected: true, model, flag, cancellationToken))
                        || (child == ifStatement.Statement && IsFlagTest(ifStatement.Condition, expected: false, model, flag, cancellationToken)))
                    {
                        return true;
                    }

                    break;

                case ConditionalExpressionSyntax conditional:
                    if ((child == conditional.WhenFalse && IsFlagTest(conditional.Condition, expected: true, model, flag, cancellationToken))
                        || (child == conditional.WhenTrue && IsFlagTest(conditional.Condition, expected: false, model, flag, cancellationToken)))
                    {
                        return true;
                    }

                    break;

                case BlockSyntax block when child is StatementSyntax statement:
                    if (FollowsAsyncEarlyExit(block, statement, model, flag, cancellationToken))
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary><c>if (async) { ...; return; }</c> earlier in the same block, with no else: what follows is the synchronous path.</summary>
    private static bool FollowsAsyncEarlyExit(BlockSyntax block, StatementSyntax statement, SemanticModel model, ISymbol? flag, CancellationToken cancellationToken)
    {
        foreach (var previous in block.Statements)
        {
            if (previous == statement)
            {
                return false;
            }

            if (previous is IfStatementSyntax { Else: null } ifStatement && AlwaysExits(ifStatement.Statement)
                && IsFlagTest(ifStatement.Condition, expected: true, model, flag, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AlwaysExits(StatementSyntax statement) => statement switch
    {
        ReturnStatementSyntax or ThrowStatementSyntax => true,
        BlockSyntax { Statements.Count: > 0 } block => block.Statements[block.Statements.Count - 1] is ReturnStatementSyntax or ThrowStatementSyntax,
        _ => false,
    };

    /// <summary>True when <paramref name="condition"/> is true exactly when the flag equals <paramref name="expected"/>.</summary>
    private static bool IsFlagTest(ExpressionSyntax condition, bool expected, SemanticModel model, ISymbol? flag, CancellationToken cancellationToken)
    {
        while (true)
        {
            switch (condition)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    condition = parenthesized.Expression;
                    continue;
                case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.LogicalNotExpression):
                    condition = prefix.Operand;
                    expected = !expected;
                    continue;
                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.EqualsExpression) || binary.IsKind(SyntaxKind.NotEqualsExpression):
                    var literal = binary.Right as LiteralExpressionSyntax ?? binary.Left as LiteralExpressionSyntax;
                    var other = literal == binary.Right ? binary.Left : binary.Right;
                    if (literal is null || !(literal.IsKind(SyntaxKind.TrueLiteralExpression) || literal.IsKind(SyntaxKind.FalseLiteralExpression)))
                    {
                        return false;
                    }

                    // flag == true ⇔ flag; flag == false ⇔ !flag; != flips once more.
                    if (literal.IsKind(SyntaxKind.FalseLiteralExpression) != binary.IsKind(SyntaxKind.NotEqualsExpression))
                    {
                        expected = !expected;
                    }

                    condition = other;
                    continue;
                case IsPatternExpressionSyntax { Pattern: ConstantPatternSyntax { Expression: LiteralExpressionSyntax patternLiteral } } isPattern
                    when patternLiteral.IsKind(SyntaxKind.TrueLiteralExpression) || patternLiteral.IsKind(SyntaxKind.FalseLiteralExpression):
                    if (patternLiteral.IsKind(SyntaxKind.FalseLiteralExpression))
                    {
                        expected = !expected;
                    }

                    condition = isPattern.Expression;
                    continue;
                case IdentifierNameSyntax identifier:
                    return expected && IsAsyncFlag(identifier, model, flag, cancellationToken);
                default:
                    return false;
            }
        }
    }

    private static bool IsAsyncFlag(IdentifierNameSyntax identifier, SemanticModel model, ISymbol? flag, CancellationToken cancellationToken)
    {
        if (!IsAsyncFlagName(identifier.Identifier.ValueText))
        {
            return false;
        }

        var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
        if (flag is not null && !SymbolEqualityComparer.Default.Equals(symbol, flag))
        {
            return false;
        }

        // A field is a flag only when asked about by name (the completion side: `if (_async) throw ...;` before the sync call).
        return IsAsyncFlag(symbol) || (flag is IFieldSymbol { Type.SpecialType: SpecialType.System_Boolean } field && IsAsyncFlagName(field.Name));
    }
}
