using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// Which tasks a <c>WhenAll</c>/<c>WaitAll</c> covers: the arguments themselves, the elements of an array, list or collection
/// expression, and the tasks a collection variable visibly holds (its initializer, earlier unconditional <c>Add</c>s) as long
/// as nothing is removed or replaced in it.
/// </summary>
internal static class TaskCollections
{
    /// <summary>True when a WhenAll/WaitAll argument list (params array, collection expression, collection variable) contains a key.</summary>
    public static bool ArgumentsContain(TaskVariables variables, IInvocationOperation invocation, List<TaskKey> keys, int position)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Value.Type is { } type && (type.SpecialType == SpecialType.System_Int32
                || WellKnownTypes.Is(type, variables.Types.CancellationToken) || type.Name == "TimeSpan"))
            {
                continue;
            }

            foreach (var element in Elements(argument.Value))
            {
                if (variables.Matches(variables.KeyOf(element), keys, position))
                {
                    return true;
                }

                // A collection variable: its elements are complete, and so is every task trivially visible in it.
                if (variables.KeyOf(element) is { IsElement: false } collection && !variables.Types.IsTaskLike(element.Type))
                {
                    if (variables.Matches(new TaskKey(collection.Symbol, isElement: true), keys, position)
                        || CollectionContains(variables, collection.Symbol, keys, position, element.Syntax))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static IEnumerable<IOperation> Elements(IOperation value)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        switch (value)
        {
            case IArrayCreationOperation array:
                if (array.Initializer is not null)
                {
                    foreach (var element in array.Initializer.ElementValues)
                    {
                        yield return element;
                    }
                }

                yield break;
            case IObjectCreationOperation { Initializer: { } initializer }:
                foreach (var item in initializer.Initializers)
                {
                    if (item is IInvocationOperation add)
                    {
                        foreach (var argument in add.Arguments)
                        {
                            yield return argument.Value;
                        }
                    }
                }

                yield break;
            default:
                if (value.Syntax is CollectionExpressionSyntax || (value.IsImplicit && value.ChildOperations.Count > 0))
                {
                    // Collection expressions and params collections have no dedicated operation in Roslyn 4.8: use the children.
                    foreach (var child in value.ChildOperations)
                    {
                        yield return child;
                    }

                    yield break;
                }

                yield return value;
                yield break;
        }
    }

    /// <summary>
    /// True when the collection variable visibly holds one of the tasks: in its initializer, or through an earlier unconditional
    /// <c>Add</c>, with no removal or element assignment anywhere in the function.
    /// </summary>
    private static bool CollectionContains(TaskVariables variables, ISymbol collection, List<TaskKey> keys, int position, SyntaxNode use)
    {
        if (collection is not ILocalSymbol local
            || variables.Mutations.Has(local, m => m.Kind is MutationKind.Reassign or MutationKind.ElementSet or MutationKind.Remove))
        {
            return false;
        }

        foreach (var reference in local.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(variables.CancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } initializer }
                && variables.GetOperation(initializer) is { } value)
            {
                foreach (var element in Elements(value))
                {
                    if (element != value && variables.Matches(variables.KeyOf(element), keys, position))
                    {
                        return true;
                    }
                }
            }
        }

        return EarlierStatementAdds(variables, use, local, keys, position);
    }

    private static bool EarlierStatementAdds(TaskVariables variables, SyntaxNode use, ILocalSymbol collection, List<TaskKey> keys, int position)
    {
        var child = use;
        for (var parent = use.Parent; parent is not null && child != variables.Function; child = parent, parent = parent.Parent)
        {
            if (parent is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return false;
            }

            if (parent is BlockSyntax block && child is StatementSyntax statement)
            {
                for (var i = block.Statements.IndexOf(statement) - 1; i >= 0; i--)
                {
                    if (block.Statements[i] is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax call }
                        && variables.GetOperation(call) is IInvocationOperation { TargetMethod.Name: "Add" or "Insert" or "Push" or "Enqueue" } add
                        && variables.KeyOf(add.Instance) is { IsElement: false } receiver
                        && SymbolEqualityComparer.Default.Equals(receiver.Symbol, collection))
                    {
                        foreach (var argument in add.Arguments)
                        {
                            if (variables.Matches(variables.KeyOf(argument.Value), keys, position))
                            {
                                return true;
                            }
                        }
                    }
                }
            }
        }

        return false;
    }
}
