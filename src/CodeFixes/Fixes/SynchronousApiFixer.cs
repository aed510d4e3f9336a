using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;
using TailGuard.Analyzers;

namespace TailGuard.CodeFixes;

/// <summary>
/// TG1003: <c>x.M(args)</c> → <c>await x.MAsync(args, ct)</c>, passing the CancellationToken parameter in scope when the twin takes
/// one, parenthesized where precedence needs it (<c>(await r.ReadToEndAsync()).Trim()</c>). Offered only when the call's arguments
/// bind to the twin unchanged (checked by speculative binding) and await is legal at the call (not inside a lock).
/// Wait primitives without a twin get no automatic fix.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SynchronousApiFixer))]
[Shared]
public sealed class SynchronousApiFixer : CodeFixProvider
{
    private static readonly string EquivalenceKey = FixKeys.For(RuleIds.SynchronousApiInAsyncContext);

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.SynchronousApiInAsyncContext);

    public override FixAllProvider GetFixAllProvider()
        => FixAllProvider.Create(async (context, document, diagnostics) => await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var plan = Plan(root, model, diagnostic, context.CancellationToken);
            if (plan is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Await '" + plan.TwinName + "'",
                    ct => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private sealed class Replacement
    {
        public Replacement(InvocationExpressionSyntax invocation, string twinName, ArgumentSyntax? token)
        {
            Invocation = invocation;
            TwinName = twinName;
            Token = token;
        }

        public InvocationExpressionSyntax Invocation { get; }

        public string TwinName { get; }

        /// <summary>The token argument to append, positional or named, or null.</summary>
        public ArgumentSyntax? Token { get; }
    }

    private static Replacement? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue(SynchronousApiInAsyncContextAnalyzer.TwinProperty, out var twinName) || twinName is null
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation
            || model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method
            || !AwaitInsertion.CanAwaitAt(invocation, model, cancellationToken)
            // A task-returning method without async, or a synchronous delegate handed to an async method: an await there does not
            // compile, and making the function async means rewriting its returns; no fix is offered.
            || !AsyncContext.IsInAsyncContext(invocation))
        {
            return null;
        }

        var tokenName = AwaitInsertion.FindCancellationToken(invocation, model, cancellationToken);
        if (tokenName is not null)
        {
            var token = TokenArgument(invocation, method, twinName, tokenName, model);
            if (token is not null && BindsToTwin(Rewrite(invocation, twinName, token), invocation, twinName, model, cancellationToken))
            {
                return new Replacement(invocation, twinName, token);
            }
        }

        return BindsToTwin(Rewrite(invocation, twinName, token: null), invocation, twinName, model, cancellationToken)
            ? new Replacement(invocation, twinName, token: null)
            : null;
    }

    /// <summary>
    /// Positional when every parameter of the synchronous call is passed positionally (the token then lands on the twin's trailing
    /// parameter); named after the twin's token parameter when arguments are named or optional ones are left out; null for an
    /// expanded params call, where nothing can follow.
    /// </summary>
    private static ArgumentSyntax? TokenArgument(InvocationExpressionSyntax invocation, IMethodSymbol method, string twinName, string tokenName, SemanticModel model)
    {
        if (model.GetOperation(invocation) is IInvocationOperation operation
            && operation.Arguments.Any(a => a.ArgumentKind == ArgumentKind.ParamArray))
        {
            return null;
        }

        var value = AwaitInsertion.Identifier(tokenName);
        var arguments = invocation.ArgumentList.Arguments;
        if (arguments.Count == method.Parameters.Length && arguments.All(a => a.NameColon is null))
        {
            return SyntaxFactory.Argument(value);
        }

        var tokenParameter = TwinTokenParameterName(method, twinName);
        return tokenParameter is null
            ? null
            : SyntaxFactory.Argument(SyntaxFactory.NameColon(AwaitInsertion.Identifier(tokenParameter)), default, value);
    }

    private static string? TwinTokenParameterName(IMethodSymbol method, string twinName)
    {
        var definition = method.ReducedFrom ?? method;
        for (var type = definition.ContainingType; type is not null; type = type.BaseType)
        {
            foreach (var member in type.GetMembers(twinName))
            {
                if (member is IMethodSymbol { Parameters.Length: > 0 } candidate
                    && candidate.Parameters[candidate.Parameters.Length - 1].Type is
                        { Name: "CancellationToken", ContainingNamespace: { Name: "Threading", ContainingNamespace.Name: "System" } })
                {
                    return candidate.Parameters[candidate.Parameters.Length - 1].Name;
                }
            }
        }

        return null;
    }

    private static InvocationExpressionSyntax Rewrite(InvocationExpressionSyntax invocation, string twinName, ArgumentSyntax? token)
    {
        var expression = invocation.Expression switch
        {
            MemberAccessExpressionSyntax access => access.WithName(Rename(access.Name, twinName)),
            SimpleNameSyntax name => Rename(name, twinName),
            var other => other,
        };
        var arguments = token is null ? invocation.ArgumentList : AwaitInsertion.Append(invocation.ArgumentList, token);
        return invocation.WithExpression(expression).WithArgumentList(arguments);
    }

    private static SimpleNameSyntax Rename(SimpleNameSyntax name, string twinName)
    {
        var identifier = SyntaxFactory.Identifier(name.Identifier.LeadingTrivia, twinName, name.Identifier.TrailingTrivia);
        return name switch
        {
            GenericNameSyntax generic => generic.WithIdentifier(identifier),
            _ => SyntaxFactory.IdentifierName(identifier),
        };
    }

    private static bool BindsToTwin(InvocationExpressionSyntax rewritten, InvocationExpressionSyntax original, string twinName, SemanticModel model, CancellationToken cancellationToken)
    {
        var symbol = model.GetSpeculativeSymbolInfo(original.SpanStart, rewritten, SpeculativeBindingOption.BindAsExpression).Symbol;
        cancellationToken.ThrowIfCancellationRequested();
        return symbol is IMethodSymbol { Name: var name, ReturnsVoid: false } && name == twinName;
    }

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var plans = diagnostics.Select(d => Plan(root, model, d, cancellationToken)).Where(p => p is not null).Select(p => p!).ToList();
        if (plans.Count == 0)
        {
            return document;
        }

        var editor = new SyntaxEditor(root, document.Project.Solution.Workspace.Services);
        foreach (var plan in plans)
        {
            // The callback sees the node as already rewritten by fixes nested inside it (w.Write(r.ReadToEnd())).
            editor.ReplaceNode(plan.Invocation, (current, _) =>
            {
                var call = (InvocationExpressionSyntax)current;
                return AwaitInsertion.Await(Rewrite(call, plan.TwinName, plan.Token), plan.Invocation);
            });
        }

        return document.WithSyntaxRoot(editor.GetChangedRoot());
    }
}
