using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>How a statement changes what a task variable (or collection of tasks) holds.</summary>
internal enum MutationKind
{
    None,
    Reassign,
    ElementSet,
    Add,
    Remove,
}

/// <summary>
/// Where one function changes its task variables and collections. Completion is monotonic, so a fact about a task lasts as
/// long as the variable still names that task: these are the places where it may stop doing so.
/// </summary>
internal sealed class TaskMutations
{
    private static readonly HashSet<string> AddMethods = new(StringComparer.Ordinal)
    {
        "Add", "AddRange", "Insert", "InsertRange", "Push", "Enqueue", "TryAdd",
    };

    private static readonly HashSet<string> RemoveMethods = new(StringComparer.Ordinal)
    {
        "Remove", "RemoveAt", "RemoveAll", "RemoveRange", "Clear", "Pop", "TryPop", "Dequeue", "TryDequeue", "TryTake", "Take",
    };

    private readonly SemanticModel model;
    private readonly SyntaxNode function;
    private readonly CancellationToken cancellationToken;

    // Found on first use for each symbol: most reads never need to know.
    private readonly Dictionary<ISymbol, List<(int Position, MutationKind Kind, bool InNestedFunction)>> mutations =
        new(SymbolEqualityComparer.Default);

    public TaskMutations(SemanticModel model, SyntaxNode function, CancellationToken cancellationToken)
    {
        this.model = model;
        this.function = function;
        this.cancellationToken = cancellationToken;
    }

    public bool IsReassignedAnywhere(ISymbol symbol) => Has(symbol, m => m.Kind == MutationKind.Reassign);

    /// <summary>True when some mutation of <paramref name="symbol"/> in the function (a nested lambda or local function included) matches.</summary>
    public bool Has(ISymbol symbol, Func<(int Position, MutationKind Kind, bool InNestedFunction), bool> predicate)
    {
        if (!mutations.TryGetValue(symbol, out var list))
        {
            list = Find(symbol);
            mutations[symbol] = list;
        }

        foreach (var mutation in list)
        {
            if (predicate(mutation))
            {
                return true;
            }
        }

        return false;
    }

    private List<(int Position, MutationKind Kind, bool InNestedFunction)> Find(ISymbol symbol)
    {
        var list = new List<(int, MutationKind, bool)>();
        foreach (var identifier in function.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != symbol.Name)
            {
                continue;
            }

            var kind = KindOf(identifier);
            if (kind == MutationKind.None
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, symbol))
            {
                continue;
            }

            var nested = AsyncContext.EnclosingFunction(identifier) != function;
            list.Add((identifier.SpanStart, kind, nested));
        }

        return list;
    }

    private static MutationKind KindOf(IdentifierNameSyntax identifier)
    {
        SyntaxNode expression = identifier;
        if (expression.Parent is MemberAccessExpressionSyntax qualified && qualified.Name == expression)
        {
            expression = qualified;
        }

        while (expression.Parent is ParenthesizedExpressionSyntax
            || expression.Parent is ArgumentSyntax { Parent: TupleExpressionSyntax, RefKindKeyword.RawKind: (int)SyntaxKind.None })
        {
            expression = expression.Parent is ArgumentSyntax argument ? argument.Parent! : expression.Parent;
        }

        switch (expression.Parent)
        {
            case AssignmentExpressionSyntax assignment when assignment.Left == expression:
            case ArgumentSyntax argument when argument.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) || argument.RefKindKeyword.IsKind(SyntaxKind.OutKeyword):
            case RefExpressionSyntax:
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }:
            case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression }:
                return MutationKind.Reassign;
            case ElementAccessExpressionSyntax access when access.Expression == expression
                && access.Parent is AssignmentExpressionSyntax elementAssignment && elementAssignment.Left == access:
                return MutationKind.ElementSet;
            case MemberAccessExpressionSyntax member when member.Expression == expression && member.Parent is InvocationExpressionSyntax:
                var name = member.Name.Identifier.ValueText;
                return AddMethods.Contains(name) ? MutationKind.Add : RemoveMethods.Contains(name) ? MutationKind.Remove : MutationKind.None;
            default:
                return MutationKind.None;
        }
    }
}
