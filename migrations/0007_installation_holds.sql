CREATE TABLE "installation_holds" (
	"installation_id" bigint PRIMARY KEY NOT NULL,
	"until" timestamp with time zone NOT NULL
);
