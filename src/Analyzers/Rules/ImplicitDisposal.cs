using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// TG1003 on the implicit <c>Dispose()</c> of a <c>using</c> statement or declaration (not <c>await using</c>) in async code, when that
/// <c>Dispose()</c> is sync-over-async over a <c>DisposeAsync()</c> (<see cref="SyncOverAsyncDispose"/>): the end of the scope blocks the
/// pool thread for the asynchronous close exactly as an explicit call would. Reported on the <c>using</c> keyword; the way out is
/// <c>await using</c> (no automatic fix).
/// </summary>
internal static class ImplicitDisposal
{
    public static void Analyze(OperationAnalysisContext context, WellKnownTypes types, SyncOverAsyncDispose disposals, IMethodSymbol dispose, DiagnosticDescriptor rule)
    {
        var (isAsynchronous, resources, keyword) = context.Operation switch
        {
            IUsingOperation { Syntax: UsingStatementSyntax statement } usingOperation => (usingOperation.IsAsynchronous, usingOperation.Resources, statement.UsingKeyword),
            IUsingDeclarationOperation { Syntax: LocalDeclarationStatementSyntax declaration } usingDeclaration
                => (usingDeclaration.IsAsynchronous, (IOperation)usingDeclaration.DeclarationGroup, declaration.UsingKeyword),
            _ => (true, null, default),
        };
        if (isAsynchronous || resources is null || keyword.Parent is null)
        {
            return;
        }

        var syntax = context.Operation.Syntax;
        var model = context.Operation.SemanticModel;
        if (model is null || !AwaitedContext.IsInAwaitedContext(syntax, model, types, context.CancellationToken))
        {
            return;
        }

        foreach (var type in ResourceTypes(resources))
        {
            if (disposals.AsyncTwinOfBlockingDispose(dispose, type, context.CancellationToken) is not { } twin
                || !model.IsAccessible(syntax.SpanStart, twin)
                || TestCode.ShouldSkip(context.ContainingSymbol, context.Options, syntax.SyntaxTree)
                || DualSyncAsyncPath.IsOnSynchronousBranch(syntax, model, context.CancellationToken))
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(rule, keyword.GetLocation(), type.Name + ".Dispose", "use 'await using' instead"));
            return;
        }
    }

    private static IEnumerable<ITypeSymbol> ResourceTypes(IOperation resources)
    {
        if (resources is IVariableDeclarationGroupOperation group)
        {
            foreach (var declaration in group.Declarations)
            {
                foreach (var declarator in declaration.Declarators)
                {
                    if (declarator.Symbol.Type is { } type)
                    {
                        yield return type;
                    }
                }
            }
        }
        else if (resources.Type is { } type)
        {
            yield return type;
        }
    }
}
