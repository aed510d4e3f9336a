using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>
/// Whether a fact dominates a read inside one function, on syntax: walking out from the read, a fact holds when it sits in an
/// earlier statement of an enclosing block (evaluated whenever that statement completes normally), or in the condition of an
/// <c>if</c>/<c>?:</c>/<c>&amp;&amp;</c>/<c>||</c>/<c>while</c>/<c>for</c> whose branch holds the read. The walk stops at the
/// function's edge: facts never cross into or out of a lambda or local function. <c>goto</c> is ignored (accepted unsoundness).
/// </summary>
internal static class DominanceWalk
{
    /// <summary>True when some fact about one of <paramref name="keys"/> dominates <paramref name="read"/> in the function.</summary>
    public static bool HoldsAt(TaskVariables variables, SyntaxNode read, List<TaskKey> keys)
    {
        var child = read;
        for (var parent = read.Parent; parent is not null && child != variables.Function; child = parent, parent = parent.Parent)
        {
            variables.CancellationToken.ThrowIfCancellationRequested();
            switch (parent)
            {
                case IfStatementSyntax ifStatement when child == ifStatement.Statement:
                    if (CompletionConditions.Holds(variables, ifStatement.Condition, true, keys))
                    {
                        return true;
                    }

                    break;
                case IfStatementSyntax ifStatement when child == ifStatement.Else:
                    if (CompletionConditions.Holds(variables, ifStatement.Condition, false, keys))
                    {
                        return true;
                    }

                    break;
                case ConditionalExpressionSyntax conditional when child == conditional.WhenTrue || child == conditional.WhenFalse:
                    if (CompletionConditions.Holds(variables, conditional.Condition, child == conditional.WhenTrue, keys))
                    {
                        return true;
                    }

                    break;
                case BinaryExpressionSyntax binary when child == binary.Right
                    && binary.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression:
                    if (CompletionConditions.Holds(variables, binary.Left, binary.IsKind(SyntaxKind.LogicalAndExpression), keys))
                    {
                        return true;
                    }

                    break;
                case WhileStatementSyntax whileStatement when child == whileStatement.Statement:
                    if (CompletionConditions.Holds(variables, whileStatement.Condition, true, keys))
                    {
                        return true;
                    }

                    break;
                case ForStatementSyntax forStatement when child == forStatement.Statement && forStatement.Condition is not null:
                    if (CompletionConditions.Holds(variables, forStatement.Condition, true, keys))
                    {
                        return true;
                    }

                    break;
                case BlockSyntax block:
                    if (AnyEarlierStatementEstablishes(variables, block.Statements, child, keys))
                    {
                        return true;
                    }

                    break;
                case SwitchSectionSyntax section:
                    if (AnyEarlierStatementEstablishes(variables, section.Statements, child, keys)
                        || (section.Parent is SwitchStatementSyntax switchStatement && SectionHasOnlyFinalStatuses(variables, switchStatement, section, keys)))
                    {
                        return true;
                    }

                    break;
                case CompilationUnitSyntax unit when child is GlobalStatementSyntax:
                    for (var i = unit.Members.IndexOf((MemberDeclarationSyntax)child) - 1; i >= 0; i--)
                    {
                        if (unit.Members[i] is GlobalStatementSyntax global && Establishes(variables, global.Statement, keys))
                        {
                            return true;
                        }
                    }

                    break;
            }

            if (parent is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                break;
            }
        }

        return false;
    }

    /// <summary><c>switch (t.Status) { case TaskStatus.RanToCompletion: ... }</c>: every label of the section is a final status.</summary>
    private static bool SectionHasOnlyFinalStatuses(TaskVariables variables, SwitchStatementSyntax switchStatement, SwitchSectionSyntax section, List<TaskKey> keys)
    {
        if (section.Labels.Count == 0 || variables.GetOperation(switchStatement.Expression) is not { } subject)
        {
            return false;
        }

        foreach (var label in section.Labels)
        {
            if (label is not CaseSwitchLabelSyntax caseLabel || variables.GetOperation(caseLabel.Value) is not { } value
                || !CompletionConditions.IsFinalStatus(variables, subject, value, keys, switchStatement.SpanStart))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AnyEarlierStatementEstablishes(TaskVariables variables, SyntaxList<StatementSyntax> statements, SyntaxNode child, List<TaskKey> keys)
    {
        if (child is not StatementSyntax statement)
        {
            return false;
        }

        for (var i = statements.IndexOf(statement) - 1; i >= 0; i--)
        {
            if (Establishes(variables, statements[i], keys))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when completing <paramref name="statement"/> normally implies one of the tasks is complete.</summary>
    private static bool Establishes(TaskVariables variables, StatementSyntax statement, List<TaskKey> keys)
    {
        switch (statement)
        {
            case LocalFunctionStatementSyntax:
                return false;
            case BlockSyntax block:
                foreach (var inner in block.Statements)
                {
                    if (Establishes(variables, inner, keys))
                    {
                        return true;
                    }
                }

                return false;
            case WhileStatementSyntax whileStatement:
                // while (!t.IsCompleted) { ... } ends only when t has completed, unless the body breaks out.
                return ContainsUnconditionalFact(variables, whileStatement.Condition, whileStatement, keys)
                    || (CompletionConditions.Holds(variables, whileStatement.Condition, false, keys, whileStatement.SpanStart) && !BreaksOut(whileStatement));
            case TryStatementSyntax tryStatement:
                // try { if (!t.Wait(timeout)) throw ...; } catch (AggregateException e) { throw e.InnerException; }: normal completion
                // of the try statement means the try block completed, when every catch leaves.
                return Establishes(variables, tryStatement.Block, keys) && tryStatement.Catches.All(c => EndsAbruptly(c.Block));
            case IfStatementSyntax ifStatement:
                if (ContainsUnconditionalFact(variables, ifStatement.Condition, ifStatement, keys))
                {
                    return true;
                }

                var whenTrue = CompletionConditions.Holds(variables, ifStatement.Condition, true, keys, ifStatement.SpanStart)
                    || LeavesOrEstablishes(variables, ifStatement.Statement, keys);
                var whenFalse = CompletionConditions.Holds(variables, ifStatement.Condition, false, keys, ifStatement.SpanStart)
                    || (ifStatement.Else is not null && LeavesOrEstablishes(variables, ifStatement.Else.Statement, keys));
                return whenTrue && whenFalse;
            default:
                return ContainsUnconditionalFact(variables, statement, statement, keys);
        }
    }

    private static bool IsNameOf(SyntaxNode node)
        => node is InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" } };

    /// <summary>True when a <c>break</c> (or <c>goto</c>) in the loop's body may leave it.</summary>
    private static bool BreaksOut(WhileStatementSyntax loop)
        => loop.Statement.DescendantNodesAndSelf(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax
                and not ForStatementSyntax and not CommonForEachStatementSyntax and not WhileStatementSyntax and not DoStatementSyntax
                and not SwitchStatementSyntax)
            .Any(n => n is BreakStatementSyntax or GotoStatementSyntax)
            || loop.Statement.DescendantNodes().OfType<GotoStatementSyntax>().Any();

    private static bool LeavesOrEstablishes(TaskVariables variables, StatementSyntax statement, List<TaskKey> keys)
        => EndsAbruptly(statement) || Establishes(variables, statement, keys);

    private static bool EndsAbruptly(StatementSyntax statement) => statement switch
    {
        ReturnStatementSyntax or ThrowStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax or GotoStatementSyntax => true,
        YieldStatementSyntax yield => yield.IsKind(SyntaxKind.YieldBreakStatement),
        BlockSyntax block => block.Statements.Count > 0 && EndsAbruptly(block.Statements[block.Statements.Count - 1]),
        IfStatementSyntax ifStatement => ifStatement.Else is not null && EndsAbruptly(ifStatement.Statement) && EndsAbruptly(ifStatement.Else.Statement),
        ExpressionStatementSyntax { Expression: ThrowExpressionSyntax } => true,
        _ => false,
    };

    private static bool ContainsUnconditionalFact(TaskVariables variables, SyntaxNode node, SyntaxNode statement, List<TaskKey> keys)
    {
        foreach (var candidate in node.DescendantNodesAndSelf(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax
            && !IsNameOf(n)))
        {
            if (candidate is not (AwaitExpressionSyntax or InvocationExpressionSyntax or MemberAccessExpressionSyntax))
            {
                continue;
            }

            if (CompletingOperations.IsFact(variables, variables.GetOperation(candidate), keys) && IsUnconditionalWithin(candidate, statement))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="node"/> is evaluated whenever <paramref name="statement"/> completes normally.</summary>
    private static bool IsUnconditionalWithin(SyntaxNode node, SyntaxNode statement)
    {
        var child = node;
        for (var parent = node.Parent; parent is not null && child != statement; child = parent, parent = parent.Parent)
        {
            var conditional = parent switch
            {
                AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax => true,
                IfStatementSyntax ifStatement => child != ifStatement.Condition,
                ElseClauseSyntax => true,
                ConditionalExpressionSyntax conditionalExpression => child != conditionalExpression.Condition,
                BinaryExpressionSyntax binary => child == binary.Right
                    && binary.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression or SyntaxKind.CoalesceExpression,
                AssignmentExpressionSyntax assignment => child == assignment.Right && assignment.IsKind(SyntaxKind.CoalesceAssignmentExpression),
                ConditionalAccessExpressionSyntax access => child != access.Expression,
                WhileStatementSyntax whileStatement => child != whileStatement.Condition,
                ForStatementSyntax forStatement => child == forStatement.Statement || (child is ExpressionSyntax incrementor && forStatement.Incrementors.Contains(incrementor)),
                CommonForEachStatementSyntax forEach => child != forEach.Expression,
                DoStatementSyntax doStatement => child == doStatement.Statement
                    && doStatement.Statement.DescendantNodes().Any(n => n is ContinueStatementSyntax or BreakStatementSyntax or GotoStatementSyntax),
                SwitchStatementSyntax switchStatement => child != switchStatement.Expression,
                SwitchExpressionSyntax switchExpression => child != switchExpression.GoverningExpression,
                TryStatementSyntax tryStatement => child is CatchClauseSyntax || (child == tryStatement.Block && tryStatement.Catches.Count > 0),
                CatchClauseSyntax or CatchFilterClauseSyntax => true,
                IsPatternExpressionSyntax isPattern => child != isPattern.Expression,
                _ => false,
            };
            if (conditional)
            {
                return false;
            }
        }

        return child == statement;
    }
}
