using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// The symbols a state machine is made of that the compiler picks rather than the source spells: the function itself, its
/// method builder and its awaiter types. One definition, shared by the estimate and by the cheap bound that gates it, so the
/// bound can never disagree with the estimate about a type.
/// </summary>
internal static class StateMachineSymbols
{
    /// <summary>The method, local function or lambda that <paramref name="function"/> declares.</summary>
    public static IMethodSymbol? FunctionSymbol(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken)
        => function is AnonymousFunctionExpressionSyntax
            ? model.GetSymbolInfo(function, cancellationToken).Symbol as IMethodSymbol
            : model.GetDeclaredSymbol(function, cancellationToken) as IMethodSymbol;

    /// <summary>
    /// The awaiter type the compiler stores for <paramref name="await"/>: the compiler's own answer for an await expression
    /// (extension GetAwaiter included), else the awaited type's GetAwaiter (the implicit awaits of await foreach and using).
    /// </summary>
    public static ITypeSymbol? AwaiterType(IAwaitOperation await, SemanticModel model)
    {
        if (await.Syntax is AwaitExpressionSyntax syntax && syntax.SyntaxTree == model.SyntaxTree
            && model.GetAwaitExpressionInfo(syntax).GetAwaiterMethod?.ReturnType is { } awaiter)
        {
            return awaiter;
        }

        return AwaiterOf(await.Operation.Type);
    }

    /// <summary>The return type of the instance GetAwaiter() of <paramref name="awaitable"/> or its base types.</summary>
    public static ITypeSymbol? AwaiterOf(ITypeSymbol? awaitable)
    {
        for (var current = awaitable; current is not null; current = current.BaseType)
        {
            var found = current.GetMembers("GetAwaiter").OfType<IMethodSymbol>().FirstOrDefault(m => !m.IsStatic && m.Parameters.Length == 0);
            if (found is not null)
            {
                return found.ReturnType;
            }
        }

        return null;
    }

    /// <summary>Finds the builder type the compiler uses for <paramref name="method"/>.</summary>
    public static ITypeSymbol? BuilderType(IMethodSymbol method, Compilation compilation)
    {
        var fromAttribute = BuilderFromAttributes(method.GetAttributes(), method.ReturnType);
        if (fromAttribute is not null)
        {
            return fromAttribute;
        }

        if (method.ReturnsVoid)
        {
            return compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.AsyncVoidMethodBuilder");
        }

        if (method.ReturnType is not INamedTypeSymbol returnType)
        {
            return null;
        }

        var name = TypeLayout.MetadataName(returnType.OriginalDefinition);
        var builderName = name switch
        {
            "System.Threading.Tasks.Task" => "System.Runtime.CompilerServices.AsyncTaskMethodBuilder",
            "System.Threading.Tasks.Task`1" => "System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1",
            "System.Threading.Tasks.ValueTask" => "System.Runtime.CompilerServices.AsyncValueTaskMethodBuilder",
            "System.Threading.Tasks.ValueTask`1" => "System.Runtime.CompilerServices.AsyncValueTaskMethodBuilder`1",
            _ => null,
        };
        if (builderName is not null)
        {
            var builder = compilation.GetTypeByMetadataName(builderName);
            return builder is null ? null : Construct(builder, returnType);
        }

        return BuilderFromAttributes(returnType.OriginalDefinition.GetAttributes(), returnType);
    }

    private static ITypeSymbol? BuilderFromAttributes(ImmutableArray<AttributeData> attributes, ITypeSymbol returnType)
    {
        foreach (var attribute in attributes)
        {
            if (attribute.AttributeClass?.Name == "AsyncMethodBuilderAttribute" && attribute.ConstructorArguments.Length == 1
                && attribute.ConstructorArguments[0].Value is INamedTypeSymbol builder)
            {
                return Construct(builder, returnType);
            }
        }

        return null;
    }

    private static INamedTypeSymbol Construct(INamedTypeSymbol builder, ITypeSymbol returnType)
    {
        var definition = builder.IsUnboundGenericType ? builder.OriginalDefinition : builder;
        if (definition.IsGenericType && definition.Equals(definition.OriginalDefinition, SymbolEqualityComparer.Default)
            && returnType is INamedTypeSymbol { IsGenericType: true } named && named.TypeArguments.Length == definition.Arity)
        {
            return definition.Construct(named.TypeArguments.ToArray());
        }

        return definition;
    }
}
