using System.Collections.Generic;
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
using TailGuard.Analyzers;

namespace TailGuard.CodeFixes;

/// <summary>
/// TG3002 fix for a struct local: copy the fields that are used after the first await into their own locals just before
/// the statement holding that await, and use the copies from there on, so the struct itself dies before the await.
/// </summary>
/// <remarks>
/// Offered only when it cannot change behaviour: the local is declared with an initializer in a block, every use from the
/// awaiting statement on is a field access <c>local.Field</c> (a field of a struct local can only change through the local,
/// so reading it earlier gives the same value, and all later accesses, writes included, go to the one copy), the local is
/// not captured by a lambda or local function, and the copied fields are smaller than the struct. Not offered for
/// parameters (the compiler hoists every parameter the body uses; the fix there is a signature change).
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LargeStructHoistedFixer))]
[Shared]
public sealed class LargeStructHoistedFixer : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.LargeStructHoisted);

    private const string Title = "Copy only the fields used after the await";

    // Several locals before the same await insert copies at the same place, which the batch fixer would see as conflicting
    // edits: apply the fixes of one document one after the other instead.
    public override FixAllProvider GetFixAllProvider() => new SequentialFixAll();

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
            var declarator = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent as VariableDeclaratorSyntax;
            if (declarator is null || Plan(declarator, model, context.CancellationToken) is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    ct => ApplyAsync(context.Document, declarator.Span, ct),
                    FixKeys.For(RuleIds.LargeStructHoisted)),
                diagnostic);
        }
    }

    private static async Task<Document> ApplyAsync(Document document, Microsoft.CodeAnalysis.Text.TextSpan span, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return root?.FindNode(span) is VariableDeclaratorSyntax declarator
            ? await ApplyAsync(document, declarator, cancellationToken).ConfigureAwait(false)
            : document;
    }

    private static async Task<Document> ApplyAsync(Document document, VariableDeclaratorSyntax declarator, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || Plan(declarator, model, cancellationToken) is not { } plan)
        {
            return document;
        }

        var usedNames = new HashSet<string>(plan.Function.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        var copies = new Dictionary<string, string>();
        var statements = new List<StatementSyntax>();
        foreach (var field in plan.Fields)
        {
            var name = UniqueName(declarator.Identifier.ValueText + char.ToUpperInvariant(field[0]) + field.Substring(1), usedNames, model, plan.AwaitingStatement.SpanStart);
            copies[field] = name;
            statements.Add(SyntaxFactory.ParseStatement($"var {name} = {declarator.Identifier.ValueText}.{field};"));
        }

        var editedRoot = root.TrackNodes(plan.Accesses.Cast<SyntaxNode>().Append(plan.AwaitingStatement));
        foreach (var access in plan.Accesses)
        {
            var current = editedRoot.GetCurrentNode(access)!;
            editedRoot = editedRoot.ReplaceNode(current, SyntaxFactory.IdentifierName(copies[access.Name.Identifier.ValueText]).WithTriviaFrom(current));
        }

        // The copies go right above the awaiting statement, at its indentation; comments and blank lines above it move above them.
        var awaiting = editedRoot.GetCurrentNode(plan.AwaitingStatement)!;
        var lastWhitespace = awaiting.GetLeadingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia));
        var indentation = lastWhitespace.IsKind(SyntaxKind.None) ? SyntaxFactory.TriviaList() : SyntaxFactory.TriviaList(lastWhitespace);
        var endOfLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        if (endOfLine.IsKind(SyntaxKind.None))
        {
            endOfLine = SyntaxFactory.EndOfLine("\n");
        }

        var leadingTrivia = awaiting.GetLeadingTrivia();
        var copiesWithTrivia = statements.Select((s, i) => s
            .WithLeadingTrivia(i == 0 ? leadingTrivia : indentation)
            .WithTrailingTrivia(endOfLine)).ToList();
        editedRoot = editedRoot.InsertNodesBefore(awaiting, copiesWithTrivia);
        awaiting = editedRoot.GetCurrentNode(plan.AwaitingStatement)!;
        editedRoot = editedRoot.ReplaceNode(awaiting, awaiting.WithLeadingTrivia(indentation));
        return document.WithSyntaxRoot(editedRoot);
    }

    private static string UniqueName(string baseName, HashSet<string> usedNames, SemanticModel model, int position)
    {
        var name = baseName;
        for (var i = 2; usedNames.Contains(name) || model.LookupSymbols(position, name: name).Length > 0; i++)
        {
            name = baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        usedNames.Add(name);
        return name;
    }

    private sealed class SequentialFixAll : DocumentBasedFixAllProvider
    {
        protected override string GetFixAllTitle(FixAllContext fixAllContext) => Title;

        protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
        {
            var cancellationToken = fixAllContext.CancellationToken;
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            var annotations = new Dictionary<VariableDeclaratorSyntax, SyntaxAnnotation>();
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                if (root.FindToken(diagnostic.Location.SourceSpan.Start).Parent is VariableDeclaratorSyntax declarator && !annotations.ContainsKey(declarator))
                {
                    annotations[declarator] = new SyntaxAnnotation();
                }
            }

            document = document.WithSyntaxRoot(root.ReplaceNodes(annotations.Keys, (original, current) => current.WithAdditionalAnnotations(annotations[original])));
            foreach (var annotation in annotations.Values)
            {
                var currentRoot = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                var declarator = currentRoot?.GetAnnotatedNodes(annotation).OfType<VariableDeclaratorSyntax>().FirstOrDefault();
                if (declarator is not null)
                {
                    document = await ApplyAsync(document, declarator, cancellationToken).ConfigureAwait(false);
                }
            }

            return document;
        }
    }

    private sealed class FixPlan
    {
        public FixPlan(SyntaxNode function, StatementSyntax awaitingStatement, IReadOnlyList<MemberAccessExpressionSyntax> accesses, IReadOnlyList<string> fields)
        {
            Function = function;
            AwaitingStatement = awaitingStatement;
            Accesses = accesses;
            Fields = fields;
        }

        public SyntaxNode Function { get; }

        public StatementSyntax AwaitingStatement { get; }

        public IReadOnlyList<MemberAccessExpressionSyntax> Accesses { get; }

        public IReadOnlyList<string> Fields { get; }
    }

    private static FixPlan? Plan(VariableDeclaratorSyntax declarator, SemanticModel model, CancellationToken cancellationToken)
    {
        if (declarator.Initializer is null
            || declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1 } declaration
            || declaration.Parent is not LocalDeclarationStatementSyntax { Parent: BlockSyntax block } statement
            || statement.UsingKeyword.IsKind(SyntaxKind.UsingKeyword)
            || statement.IsConst
            || model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol local
            || local.Type.TypeKind != TypeKind.Struct)
        {
            return null;
        }

        var function = AsyncContext.EnclosingFunction(declarator);
        if (function is null)
        {
            return null;
        }

        var index = block.Statements.IndexOf(statement);
        var awaitingStatement = block.Statements.Skip(index + 1).FirstOrDefault(ContainsAwait);
        if (awaitingStatement is null)
        {
            return null;
        }

        var accesses = new List<MemberAccessExpressionSyntax>();
        var fields = new List<IFieldSymbol>();
        foreach (var identifier in function.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != local.Name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
            {
                continue;
            }

            if (AsyncContext.EnclosingFunction(identifier) != function)
            {
                return null; // captured by a lambda or local function
            }

            if (identifier.SpanStart < awaitingStatement.SpanStart)
            {
                continue;
            }

            if (identifier.Parent is not MemberAccessExpressionSyntax access || access.Expression != identifier
                || !access.IsKind(SyntaxKind.SimpleMemberAccessExpression)
                || model.GetSymbolInfo(access, cancellationToken).Symbol is not IFieldSymbol { IsStatic: false } field)
            {
                return null;
            }

            accesses.Add(access);
            if (!fields.Contains(field, SymbolEqualityComparer.Default))
            {
                fields.Add(field);
            }
        }

        if (fields.Count == 0)
        {
            return null;
        }

        var copied = fields.Sum(f => TailGuard.Analyzers.StateMachines.TypeLayout.SizeOf(f.Type).Bytes);
        if (copied >= TailGuard.Analyzers.StateMachines.TypeLayout.SizeOf(local.Type).Bytes)
        {
            return null;
        }

        return new FixPlan(function, awaitingStatement, accesses, fields.Select(f => f.Name).ToList());
    }

    private static bool ContainsAwait(StatementSyntax statement)
        => statement.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .Any(n => n is AwaitExpressionSyntax
                || (n is ForEachStatementSyntax forEach && forEach.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword))
                || (n is UsingStatementSyntax usingStatement && usingStatement.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword))
                || (n is LocalDeclarationStatementSyntax declaration && declaration.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword)));
}
