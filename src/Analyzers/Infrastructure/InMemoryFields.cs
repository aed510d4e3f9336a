using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>
/// A field typed as a general <c>TextWriter</c>/<c>Stream</c>/<c>TextReader</c> that only ever holds an in-memory one: every
/// assignment in its type's source (initializer, constructor, methods) is <c>new StringWriter(...)</c>, <c>new MemoryStream(...)</c> or
/// <c>new StringReader(...)</c>. The log writer that a client serialises with <c>lock (log) log.WriteLine(...)</c> is the common
/// case: writing to it blocks nothing. Syntax and symbols only (no other tree's semantic model), decided once per field.
/// </summary>
public static class InMemoryFields
{
    private static readonly ConditionalWeakTable<IFieldSymbol, StrongBox<bool>> Fields = new();

    public static bool HoldsOnlyInMemory(IFieldSymbol field, CancellationToken cancellationToken)
        => field.DeclaredAccessibility == Accessibility.Private
            && Fields.GetValue(field.OriginalDefinition, f => new StrongBox<bool>(Decide(f, cancellationToken))).Value;

    private static bool Decide(IFieldSymbol field, CancellationToken cancellationToken)
    {
        var assignments = 0;
        foreach (var reference in field.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } initializer })
            {
                if (!IsInMemoryCreation(initializer))
                {
                    return false;
                }

                assignments++;
            }
        }

        if (field.ContainingType is not { } type)
        {
            return false;
        }

        foreach (var declaration in type.DeclaringSyntaxReferences)
        {
            foreach (var node in declaration.GetSyntax(cancellationToken).DescendantNodes())
            {
                if (node is AssignmentExpressionSyntax assignment && Names(assignment.Left, field.Name))
                {
                    if (!IsInMemoryCreation(assignment.Right))
                    {
                        return false;
                    }

                    assignments++;
                }
                else if (node is ArgumentSyntax { RefKindKeyword.RawKind: not 0 } argument && Names(argument.Expression, field.Name))
                {
                    return false;
                }
            }
        }

        return assignments > 0;
    }

    private static bool Names(ExpressionSyntax expression, string name) => expression switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText == name,
        MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var member } => member.Identifier.ValueText == name,
        _ => false,
    };

    private static bool IsInMemoryCreation(ExpressionSyntax expression)
    {
        var type = expression switch
        {
            ObjectCreationExpressionSyntax creation => creation.Type,
            _ => null,
        };
        var name = type switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            _ => null,
        };
        return name is "StringWriter" or "MemoryStream" or "StringReader";
    }
}
