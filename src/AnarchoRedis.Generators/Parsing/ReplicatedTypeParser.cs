using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using AnarchoRedis.Generators.Diagnostics;
using AnarchoRedis.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AnarchoRedis.Generators.Parsing;

/// <summary>
/// The transform of both attribute pipelines: reads one annotated type into a <see cref="ReplicatedTypeSpec"/> or
/// into diagnostics. Only strings, numbers and location data leave this class.
/// </summary>
internal static class ReplicatedTypeParser
{
    private static readonly SymbolDisplayFormat FullNameFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces);

    private static readonly SymbolDisplayFormat NamespaceFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    public static TypeParseResult Parse(GeneratorAttributeSyntaxContext context, ReplicatedTypeKind kind, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var attribute = context.Attributes[0];

        // The attribute twice (e.g. on two partial declarations) is already CS0579; each copy would otherwise yield a
        // spec and the same hint name twice, which makes AddSource throw and takes the whole generator down.
        if (type.GetAttributes().Count(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute.AttributeClass)) > 1)
        {
            return new TypeParseResult(null, new TypeAnchors(null, null, null), EquatableArray<DiagnosticInfo>.Empty);
        }

        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        var identifier = context.TargetNode is BaseTypeDeclarationSyntax declaration ? declaration.Identifier.GetLocation() : context.TargetNode.GetLocation();
        var anchors = new TypeAnchors(
            LocationInfo.From(ArgumentLocation(attributeSyntax, null) ?? attributeSyntax?.GetLocation()),
            LocationInfo.From(ArgumentLocation(attributeSyntax, "Name")),
            LocationInfo.From(identifier));
        var diagnostics = new List<DiagnosticInfo>();
        var fullName = type.ToDisplayString(FullNameFormat);

        CheckShape(type, fullName, anchors.Identifier, diagnostics);

        string? registryName = null;
        int readConsistency = 0, writeConsistency = 0, timeToLive = 0, maxLength = 0;
        foreach (var named in attribute.NamedArguments)
        {
            var location = LocationInfo.From(ArgumentLocation(attributeSyntax, named.Key));
            switch (named.Key)
            {
                case "Name":
                    registryName = named.Value.Value as string;
                    if (registryName is not null && string.IsNullOrWhiteSpace(registryName))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyRegistryName, location, fullName));
                    }

                    break;
                case "ReadConsistency":
                    readConsistency = CheckConsistency(named, fullName, location, diagnostics);
                    break;
                case "WriteConsistency":
                    writeConsistency = CheckConsistency(named, fullName, location, diagnostics);
                    break;
                case "TimeToLiveSeconds":
                    timeToLive = named.Value.Value is int seconds ? seconds : 0;
                    if (timeToLive < 0)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NegativeTimeToLive, location, fullName, timeToLive.ToString(CultureInfo.InvariantCulture)));
                    }

                    break;
                case "MaxLength":
                    maxLength = named.Value.Value is int cap ? cap : 0;
                    if (maxLength < 0)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NegativeMaxLength, location, fullName, maxLength.ToString(CultureInfo.InvariantCulture)));
                    }

                    break;
            }
        }

        // A missing or non-constant template is already a compiler error; generating nothing adds no noise to it.
        // A null template is a valid constant, though, and is as useless as an empty one.
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Error)
        {
            return new TypeParseResult(null, anchors, diagnostics.ToEquatableArray());
        }

        var template = attribute.ConstructorArguments[0].Value as string ?? string.Empty;
        var parts = BindTemplate(type, kind, template, fullName, anchors.Template, diagnostics);

        if (type.ContainingType is null)
        {
            CheckRepositoryNames(type, kind, anchors.Identifier, diagnostics, cancellationToken);
        }

        if (diagnostics.Count > 0 || parts is null)
        {
            return new TypeParseResult(null, anchors, diagnostics.ToEquatableArray());
        }

        var isPublic = PlaceholderTypes.IsPublic(type) && parts.All(p => p.IsPublic);
        var spec = new ReplicatedTypeSpec(
            kind,
            type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString(NamespaceFormat),
            type.Name,
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            fullName,
            isPublic,
            registryName ?? fullName,
            template,
            parts.Select(p => p.Part).ToEquatableArray(),
            readConsistency,
            writeConsistency,
            timeToLive,
            maxLength);
        return new TypeParseResult(spec, anchors, EquatableArray<DiagnosticInfo>.Empty);
    }

    private static void CheckShape(INamedTypeSymbol type, string fullName, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (type.ContainingType is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotTopLevel, location, fullName, "nested in '" + type.ContainingType.ToDisplayString(FullNameFormat) + "'"));
        }
        else if (type.IsFileLocal)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotTopLevel, location, fullName, "file-local"));
        }

        if (type.TypeParameters.Length > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericType, location, fullName));
        }

        var shape = type.TypeKind switch
        {
            TypeKind.Class when type.IsStatic => "a static class",
            TypeKind.Class when type.IsAbstract => "an abstract class",
            TypeKind.Class => null,
            TypeKind.Struct when type.IsRecord => "a record struct",
            TypeKind.Struct => "a struct",
            TypeKind.Interface => "an interface",
            _ => "not a class",
        };
        if (shape is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAConcreteClass, location, fullName, shape));
        }
    }

    private static int CheckConsistency(KeyValuePair<string, TypedConstant> named, string fullName, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var value = named.Value.Value is int number ? number : 0;
        if (value is < 0 or > 3)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownConsistency, location, named.Key, fullName, value.ToString(CultureInfo.InvariantCulture)));
        }

        return value;
    }

    private static List<BoundPart>? BindTemplate(
        INamedTypeSymbol type, ReplicatedTypeKind kind, string template, string fullName, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyKeyTemplate, location, fullName));
            return null;
        }

        if (!KeyTemplateParser.TryParse(template, out var segments, out var error))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedKeyTemplate, location, template, error));
            return null;
        }

        var seen = new HashSet<string>();
        var reported = new HashSet<string>();
        foreach (var segment in segments.Where(s => s.IsPlaceholder))
        {
            if (!seen.Add(segment.Text) && reported.Add(segment.Text))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicatePlaceholder, location, segment.Text, fullName));
            }
        }

        if (reported.Count > 0)
        {
            return null;
        }

        var parameterNames = Naming.ParameterNames(segments.Where(s => s.IsPlaceholder).Select(s => s.Text), kind);
        var parts = new List<BoundPart>();
        var failed = false;
        var index = 0;
        foreach (var segment in segments)
        {
            if (!segment.IsPlaceholder)
            {
                parts.Add(new BoundPart(KeyPart.Literal(segment.Text), true));
                continue;
            }

            var parameter = parameterNames[index++];
            var property = FindProperty(type, segment.Text);
            if (property is null)
            {
                if (kind == ReplicatedTypeKind.Value)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PlaceholderPropertyNotFound, location, segment.Text, fullName));
                    failed = true;
                }
                else
                {
                    // A list key part need not be an element property (a chat room id, say): it is then a string.
                    parts.Add(new BoundPart(new KeyPart(PlaceholderKind.String, segment.Text, "string", parameter, string.Empty), true));
                }

                continue;
            }

            // Errors in the property's type are the compiler's to report.
            if (property.Type.TypeKind == TypeKind.Error)
            {
                failed = true;
                continue;
            }

            var placeholderKind = PlaceholderTypes.Classify(property.Type);
            if (placeholderKind == PlaceholderKind.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.UnsupportedPlaceholderType, location, segment.Text, property.Type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)));
                failed = true;
                continue;
            }

            var typeName = property.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            parts.Add(new BoundPart(new KeyPart(placeholderKind, segment.Text, typeName, parameter, Naming.Escape(property.Name)), PlaceholderTypes.IsPublic(property.Type)));
        }

        return failed ? null : parts;
    }

    private static IPropertySymbol? FindProperty(INamedTypeSymbol type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers(name))
            {
                if (member is IPropertySymbol { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public, GetMethod.DeclaredAccessibility: Accessibility.Public } property)
                {
                    return property;
                }
            }
        }

        return null;
    }

    private static void CheckRepositoryNames(
        INamedTypeSymbol type, ReplicatedTypeKind replicatedKind, LocationInfo? location, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        // Cheap: only the model's own namespace is searched, which is where the repository is generated. A partial
        // declaration of the same kind in source is the user extending the generated type, which is welcome.
        foreach (var (name, kind) in new[]
        {
            (Naming.RepositoryInterfaceName(type.Name, replicatedKind), TypeKind.Interface),
            (Naming.RepositoryClassName(type.Name, replicatedKind), TypeKind.Class),
        })
        {
            foreach (var existing in type.ContainingNamespace.GetTypeMembers(name))
            {
                var isExtension = existing.TypeKind == kind
                    && existing.Arity == 0
                    && existing.DeclaringSyntaxReferences.Length > 0
                    && existing.DeclaringSyntaxReferences.All(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword));
                if (!isExtension)
                {
                    var ns = type.ContainingNamespace.IsGlobalNamespace ? "<global namespace>" : type.ContainingNamespace.ToDisplayString(FullNameFormat);
                    var owner = type.ToDisplayString(FullNameFormat) + (replicatedKind == ReplicatedTypeKind.List ? " (list)" : string.Empty);
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RepositoryNameTaken, location, name, ns, owner));
                    break;
                }
            }
        }
    }

    private static Location? ArgumentLocation(AttributeSyntax? attribute, string? name)
    {
        foreach (var argument in attribute?.ArgumentList?.Arguments ?? default)
        {
            var isMatch = name is null
                ? argument.NameEquals is null && (argument.NameColon is null || argument.NameColon.Name.Identifier.ValueText == "keyTemplate")
                : argument.NameEquals?.Name.Identifier.ValueText == name;
            if (isMatch)
            {
                return argument.GetLocation();
            }
        }

        return null;
    }

    private readonly struct BoundPart
    {
        public BoundPart(KeyPart part, bool isPublic)
        {
            Part = part;
            IsPublic = isPublic;
        }

        public KeyPart Part { get; }

        public bool IsPublic { get; }
    }
}
