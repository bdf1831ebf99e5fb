using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace AnarchoRedis.Generators.Benchmarks;

/// <summary>
/// The least an attribute-driven incremental generator can do: find the same two attributes with
/// <c>ForAttributeWithMetadataName</c>, take each type's name, and emit nothing. Its time is Roslyn's share (the
/// attribute index, the semantic model, the declared symbol and its bound attributes) on the same compilation, the
/// floor under <see cref="AnarchoRedisGenerator"/>'s figures.
/// </summary>
internal sealed class FloorGenerator : IIncrementalGenerator
{
    /// <summary>The names found in the last run, so the transform's result is used and not optimized away.</summary>
    public static ImmutableArray<string> LastNames { get; private set; } = ImmutableArray<string>.Empty;

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var values = context.SyntaxProvider.ForAttributeWithMetadataName(
            "AnarchoRedis.ReplicatedKeyAttribute", static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax, static (ctx, _) => ctx.TargetSymbol.Name);
        var lists = context.SyntaxProvider.ForAttributeWithMetadataName(
            "AnarchoRedis.ReplicatedListAttribute", static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax, static (ctx, _) => ctx.TargetSymbol.Name);
        context.RegisterSourceOutput(values.Collect().Combine(lists.Collect()), static (_, names) => LastNames = names.Left.AddRange(names.Right));
    }
}
