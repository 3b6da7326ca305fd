-- The account binsnap connects as: replication plus read access, nothing more.
CREATE USER 'binsnap'@'%' IDENTIFIED BY 'binsnap-password';
GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO 'binsnap'@'%';
